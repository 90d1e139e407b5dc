import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pollUntil } from '@tideline/local-stack';
import { captureLogs } from '@tideline/local-stack/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childProcessEnv } from '../env.js';
import { FIRST_RESTART_DELAY_MS } from './restart-backoff.js';
import { type SupervisedChild, superviseChild } from './supervise-child.js';

describe('superviseChild', () => {
  let dir: string;
  const supervised: SupervisedChild[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'tideline-supervise-'));
    await mkdir(path.join(dir, 'src'));
  });

  afterAll(async () => {
    await Promise.all(supervised.map((child) => child.stop(1_000)));
    await rm(dir, { recursive: true, force: true });
  });

  async function script(name: string, source: string): Promise<string> {
    const file = path.join(dir, 'src', name);
    await writeFile(file, source);
    return file;
  }

  it('restarts a child that crashes, waiting longer after each quick crash', async () => {
    const starts = path.join(dir, 'starts.txt');
    const file = await script(
      'crash.ts',
      `import { appendFileSync } from 'node:fs';\nappendFileSync(${JSON.stringify(starts)}, 'start\\n');\nprocess.exit(3);\n`,
    );
    const { logger, lines } = captureLogs();

    const child = superviseChild({ name: 'crasher', file, env: childProcessEnv({}) }, logger);
    supervised.push(child);
    await pollUntil(
      async () =>
        (await readFile(starts, 'utf8').catch(() => '')).split('\n').length > 3 ? true : undefined,
      { timeoutMs: 20_000, what: 'three starts' },
    );
    await child.stop(1_000);

    const restarts = lines.filter(
      (line) => line.msg === 'child process exited unexpectedly; restarting',
    );
    expect(restarts.slice(0, 2)).toEqual([
      expect.objectContaining({ child: 'crasher', code: 3, restartInMs: FIRST_RESTART_DELAY_MS }),
      expect.objectContaining({
        child: 'crasher',
        code: 3,
        restartInMs: FIRST_RESTART_DELAY_MS * 2,
      }),
    ]);
  });

  it('kills a child that ignores SIGTERM once the stop timeout passes', async () => {
    const ready = path.join(dir, 'stubborn-ready');
    const file = await script(
      'stubborn.ts',
      `import { writeFileSync } from 'node:fs';\nprocess.on('SIGTERM', () => {});\nwriteFileSync(${JSON.stringify(ready)}, '');\nsetInterval(() => {}, 1_000);\n`,
    );
    const { logger, lines } = captureLogs();
    const child = superviseChild({ name: 'stubborn', file, env: childProcessEnv({}) }, logger);
    supervised.push(child);
    await pollUntil(
      async () =>
        await readFile(ready)
          .then(() => true)
          .catch(() => undefined),
      {
        timeoutMs: 20_000,
        what: 'the child to start',
      },
    );

    await child.stop(300);

    expect(lines).toContainEqual(
      expect.objectContaining({ msg: 'child process did not stop in time; killing it' }),
    );
    expect(lines).toContainEqual(
      expect.objectContaining({ msg: 'child process stopped', signal: 'SIGKILL' }),
    );
    expect(
      lines.filter((line) => line.msg === 'child process exited unexpectedly; restarting'),
    ).toEqual([]);
  });
});

import { LocalStackError } from '@tideline/local-stack';
import { InvalidEnvError, type LauncherEnv, loadEnv } from './env.js';
import { createLogger } from './logger.js';
import { runLauncher } from './run-launcher.js';

const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

let env: LauncherEnv;
try {
  env = loadEnv();
} catch (error) {
  if (!(error instanceof InvalidEnvError)) throw error;
  process.stderr.write(`tideline: invalid configuration\n${error.problems.join('\n')}\n`);
  process.exit(1);
}

const logger = createLogger(env.LOG_LEVEL, 'launcher');
const controller = new AbortController();
for (const signal of STOP_SIGNALS) {
  process.on(signal, () => {
    if (controller.signal.aborted) return logger.info({ signal }, 'already stopping');
    logger.info({ signal }, 'stopping');
    controller.abort();
  });
}

try {
  await runLauncher(env, logger, controller.signal);
  logger.info('stopped');
  process.exit(0);
} catch (error) {
  if (error instanceof LocalStackError) logger.fatal(error.message);
  else logger.fatal({ err: error }, 'launcher failed');
  process.exit(1);
}

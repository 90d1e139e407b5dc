import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './testing/test-server.js';

/*
 * URLs that Express or tRPC cannot decode: bad percent-encoding in a path, and a tRPC
 * `input` that is not JSON. Found by the attack run of issue 16 as 500s.
 */
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer('malformed_urls');
});
afterAll(() => server?.close());

describe('malformed URLs', () => {
  it.each([
    ['a REST route parameter', '/api/v1/feeds/user/%E0%A4%A/stream', 'path'],
    ['a REST route parameter of a generated operation', '/api/v1/feeds/user/%E0/followers', 'path'],
    ['a tRPC procedure path', '/trpc/%E0', 'path'],
    ['a tRPC query input', '/trpc/feeds.read?input=%E0', 'input'],
    ['a tRPC query input', '/trpc/feeds.read?input=%7Bgroup', 'input'],
    ['a tRPC subscription input', '/trpc/feeds.watch?input=%E0%A4', 'input'],
  ])(
    'given %s that does not decode (%s), when requested, then 400 names %s',
    async (_case, url, field) => {
      const before = await server.harness.testDb.db
        .selectFrom('events' as never)
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .executeTakeFirstOrThrow();
      const response = await server.request(url);
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({
        code: 'VALIDATION_FAILED',
        details: { fields: [{ path: field }] },
      });
      const after = await server.harness.testDb.db
        .selectFrom('events' as never)
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .executeTakeFirstOrThrow();
      expect(after).toEqual(before);
    },
  );

  it('given a well-formed tRPC query input, when requested, then it is served', async () => {
    const input = encodeURIComponent(JSON.stringify({ group: 'user', id: 'ana' }));
    const response = await server.request(`/trpc/feeds.read?input=${input}`);
    expect(response.status).toBe(200);
  });
});

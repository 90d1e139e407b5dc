import { ensureDemoData as appendDemoData, demoUsers } from '@tideline/demo-data';
import { createDatabase } from '@tideline/event-store';
import type { Logger } from 'pino';

/** `DEMO=1`: the demo users, follows and posts, created on the first start (a no-op after). */
export async function ensureDemoData(databaseUrl: string, logger: Logger): Promise<void> {
  const db = createDatabase<unknown>({
    connectionString: databaseUrl,
    max: 1,
    applicationName: 'tideline-launcher',
  });
  try {
    await appendDemoData(db);
    logger.info({ users: demoUsers.map((user) => user.id) }, 'DEMO=1: the demo users are ready');
  } finally {
    await db.destroy();
  }
}

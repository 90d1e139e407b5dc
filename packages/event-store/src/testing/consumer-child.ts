// A consumer in its own process, for the crash test: argv = connection string, consumer name.
// Each batch sleeps inside its transaction, so a SIGKILL almost always lands mid-batch.
import { sql } from 'kysely';
import { createConsumer } from '../consumer.js';
import { createDatabase } from '../database.js';
import { recordingProjection } from './recording-projection.js';

const [url, name] = process.argv.slice(2);
if (!url || !name) throw new Error('usage: consumer-child <url> <name>');
const db = createDatabase({ connectionString: url, max: 2 });
const projection = recordingProjection(name);
const consumer = createConsumer({
  db,
  connectionString: url,
  batchSize: 25,
  projection: {
    ...projection,
    async apply(events, context) {
      await projection.apply(events, context);
      await sql`SELECT pg_sleep(0.05)`.execute(context.tx);
    },
  },
});
consumer.start();
process.on('SIGTERM', () => {
  void consumer.stop().then(() => db.destroy());
});

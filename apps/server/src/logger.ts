import { type Logger, pino } from 'pino';

/** JSON lines on stdout; `name` keeps the server's lines apart from the workers'. */
export function createLogger(level: string): Logger {
  return pino({ name: 'server', level });
}

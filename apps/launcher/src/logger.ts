import { type Logger, pino } from 'pino';

/** JSON lines on stdout, one logger per process, named so mixed output stays readable. */
export function createLogger(level: string, name: string): Logger {
  return pino({ name, level });
}

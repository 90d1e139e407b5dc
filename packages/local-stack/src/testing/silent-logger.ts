import { type Logger, pino } from 'pino';

export interface CapturedLogger {
  logger: Logger;
  /** Every line logged so far, parsed. */
  lines: Array<Record<string, unknown>>;
}

/** A logger that writes nowhere but keeps what it was given, for assertions. */
export function captureLogs(): CapturedLogger {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino(
    { level: 'debug' },
    {
      write(chunk: string) {
        lines.push(JSON.parse(chunk) as Record<string, unknown>);
      },
    },
  );
  return { logger, lines };
}

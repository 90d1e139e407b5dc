/**
 * A problem with PostgreSQL or Redis that the user must fix. The message is one line that
 * says what is wrong and what to do, so the launcher can print it and exit.
 */
export class LocalStackError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'LocalStackError';
  }
}

/** A short reason for a failed connection: the error code when there is one. */
export function describeError(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0)
    return describeError(error.errors[0]);
  if (error instanceof Error) {
    const code = 'code' in error && typeof error.code === 'string' ? error.code : undefined;
    return code && !error.message.includes(code)
      ? `${code}: ${error.message}`
      : error.message || (code ?? error.name);
  }
  return String(error);
}

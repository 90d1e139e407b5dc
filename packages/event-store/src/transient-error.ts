const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * Whether an error says a dependency is unreachable or busy, not that the event is bad.
 * Consumers retry such errors for as long as it takes instead of parking the event: an
 * outage must not turn into dead letters.
 *
 * PostgreSQL SQLSTATE class 08 (connection), 57P01–57P03 (shutdown, cannot connect now),
 * 53 (insufficient resources), 40001/40P01 (serialization, deadlock); Node network errors;
 * ioredis' "connection closed", "max retries per request" and "offline queue disabled"
 * errors; pg-pool's connection timeout; errors that say `transient: true` (projections use
 * it for Redis outages).
 */
export function isTransientError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, transient, message } = error as {
    code?: unknown;
    transient?: unknown;
    message?: unknown;
  };
  if (transient === true) return true;
  if (typeof code === 'string') {
    if (NETWORK_CODES.has(code)) return true;
    if (code.startsWith('08') || code.startsWith('53')) return true;
    if (['57P01', '57P02', '57P03', '40001', '40P01'].includes(code)) return true;
  }
  return (
    typeof message === 'string' &&
    /Connection terminated|Connection is closed|connect ECONNREFUSED|Client has encountered a connection error|Reached the max retries per request limit|enableOfflineQueue options is false|timeout exceeded when trying to connect|Redis connection is not ready/.test(
      message,
    )
  );
}

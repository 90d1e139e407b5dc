// The one place the fan-out test helpers read the environment.
export const testRedisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

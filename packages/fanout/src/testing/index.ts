export { testRedisUrl } from './env.js';
export { type RedisServerOptions, startRedisServer, type TestRedisServer } from './redis-server.js';

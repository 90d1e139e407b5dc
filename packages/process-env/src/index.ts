export { type LauncherEnv, launcherEnvSchema } from './launcher-env.js';
export { type ServerEnv, serverEnvSchema } from './server-env.js';
export { type WorkerEnv, workerEnvSchema } from './worker-env.js';

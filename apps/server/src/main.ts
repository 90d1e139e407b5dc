import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';
import { runPrimary } from './cluster.js';
import { loadEnv } from './env.js';
import { createLogger } from './logger.js';
import { serve } from './serve.js';

const env = loadEnv();
const logger = createLogger(env.LOG_LEVEL);
const processes = env.SERVER_PROCESSES === 0 ? availableParallelism() : env.SERVER_PROCESSES;

if (cluster.isPrimary && processes > 1) await runPrimary(processes, logger);
else await serve(env, logger);

export { type CapturedLogger, captureLogs } from './silent-logger.js';

export {
  blankAsUnset,
  flagVar,
  integerVar,
  logLevels,
  logLevelVar,
  optionalUrlVar,
  postgresProtocols,
  redisProtocols,
  serviceUrlsShape,
  urlVar,
} from './env-vars.js';
export { InvalidEnvError, inheritedEnv, parseEnv } from './parse-env.js';

export {
  blankAsUnset,
  integerVar,
  logLevels,
  logLevelVar,
  optionalUrlVar,
  postgresProtocols,
  redisProtocols,
  urlVar,
} from './env-vars.js';
export { InvalidEnvError, inheritedEnv, parseEnv } from './parse-env.js';

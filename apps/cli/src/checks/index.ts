import type { Check } from './check.js';
import { followTargetCheck } from './follow-checks.js';
import { postgresChecks } from './postgres-checks.js';
import { redisChecks } from './redis-checks.js';

export * from './check.js';
export * from './follow-checks.js';
export * from './postgres-checks.js';
export * from './redis-checks.js';

/** Everything `feed doctor` and infra/scripts/schema-validator.sh verify, in print order. */
export const allChecks: readonly Check[] = [...postgresChecks, followTargetCheck, ...redisChecks];

import type { EventMetadata } from '@tideline/event-store';

/** Who asks, and the request it belongs to; stored as the events' metadata. */
export interface CommandContext {
  principal?: string;
  correlationId?: string;
}

export function metadataOf(context: CommandContext): EventMetadata {
  return {
    ...(context.principal === undefined ? {} : { principal: context.principal }),
    ...(context.correlationId === undefined ? {} : { correlationId: context.correlationId }),
  };
}

/**
 * Runs an optimistic read-decide-append step again when another writer got there first,
 * so callers never see a conflict they did not ask for.
 */
export async function retryOnConflict<T>(step: () => Promise<T>, attempts = 10): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await step();
    } catch (error) {
      const conflict =
        typeof error === 'object' &&
        error !== null &&
        'code' in error &&
        error.code === 'VERSION_CONFLICT';
      if (!conflict || attempt >= attempts) throw error;
    }
  }
}

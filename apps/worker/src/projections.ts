import type { EventStoreTables, Projection } from '@tideline/event-store';

/**
 * The read models the worker keeps. The feed projections (follow graph, activities,
 * timelines) join this list as they are built.
 */
export function projections(): Projection<EventStoreTables>[] {
  return [];
}

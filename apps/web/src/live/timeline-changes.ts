import type { InfiniteData } from '@tanstack/react-query';
import type { TidelineOutputs } from '@tideline/client';
import type { Activity } from '../activity-text';

type Pages = InfiniteData<TidelineOutputs['feeds']['read'], string | null>;

/**
 * The loaded timeline pages with a live update or removal applied in place: an updated
 * activity shows its new version where it is, a removed one disappears (never shown after
 * it was deleted). Pages without the activity are returned as they were.
 *
 * @example
 * queryClient.setQueryData(key, (pages) => applyToPages(pages, { removed: activityId }));
 */
export function applyToPages(
  pages: Pages | undefined,
  change: { updated: Activity } | { removed: string },
): Pages | undefined {
  if (pages === undefined) return undefined;
  const id = 'updated' in change ? change.updated.id : change.removed;
  return {
    ...pages,
    pages: pages.pages.map((page) => {
      if (page.kind !== 'flat' || !page.results.some((activity) => activity.id === id)) return page;
      const results =
        'updated' in change
          ? page.results.map((activity) => (activity.id === id ? change.updated : activity))
          : page.results.filter((activity) => activity.id !== id);
      return { ...page, results };
    }),
  };
}

import { useInfiniteQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useRef, useState } from 'react';
import { type Activity, describeActivity } from './activity-text';
import type { DemoUser } from './demo-session';
import { nameOf, useDemoUsers } from './demo-users';
import { applyToPages } from './live/timeline-changes';
import { type LiveState, useFeedWatch } from './live/use-feed-watch';
import { useTRPC, useTRPCClient } from './trpc';
import { Avatar } from './ui/avatar';
import { QueryState } from './ui/query-state';
import { RelativeTime } from './ui/relative-time';

const PAGE_SIZE = 20;

/** The timeline query's input, shared with whoever needs to refresh it. */
export const timelineInput = (me: string) => ({ group: 'timeline', id: me, limit: PAGE_SIZE });

/**
 * The home timeline (`timeline:<me>`), newest first, loading older pages as the end comes
 * into view (or on "Load older posts", for keyboards). Live posts do not push the list
 * around: they are counted in a "N new posts" banner that shows them on request.
 */
export function Timeline(props: { me: string; onLiveState: (state: LiveState) => void }) {
  const { me, onLiveState } = props;
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const users = useDemoUsers().data ?? [];
  const input = timelineInput(me);
  const key = trpc.feeds.read.infiniteQueryKey(input);
  const client = useTRPCClient();
  // tRPC's infiniteQueryOptions adds a `direction` field to the input, which the router's
  // strict input schema refuses; so the pages are read with the client, under tRPC's key.
  const timeline = useInfiniteQuery({
    queryKey: key,
    queryFn: ({ pageParam }) =>
      client.feeds.read.query({ ...input, ...(pageParam === null ? {} : { cursor: pageParam }) }),
    initialPageParam: null as string | null,
    getNextPageParam: (page) => page.next,
  });
  const activities =
    timeline.data?.pages.flatMap((page) => (page.kind === 'flat' ? page.results : [])) ?? [];
  const shown = new Set(activities.map((activity) => activity.id));
  const [fresh, setFresh] = useState<ReadonlySet<string>>(new Set());

  const liveState = useFeedWatch(
    { group: 'timeline', id: me },
    (message) => {
      if (message.type === 'activity.added') {
        // My own posts are shown as soon as I post them; others wait for the banner.
        if (message.activity.actor === me || shown.has(message.activity.id)) return;
        setFresh((ids) => new Set(ids).add(message.activity.id));
      } else if (message.type === 'activity.updated') {
        queryClient.setQueryData(key, (pages) =>
          applyToPages(pages, { updated: message.activity }),
        );
      } else if (message.type === 'activity.removed') {
        queryClient.setQueryData(key, (pages) =>
          applyToPages(pages, { removed: message.activityId }),
        );
        setFresh((ids) => new Set([...ids].filter((id) => id !== message.activityId)));
      }
    },
    () => void queryClient.invalidateQueries({ queryKey: key }),
  );
  useEffect(() => onLiveState(liveState), [liveState, onLiveState]);

  const top = useRef<HTMLHeadingElement>(null);
  const showFresh = async () => {
    setFresh(new Set());
    await queryClient.resetQueries({ queryKey: key });
    top.current?.scrollIntoView({ block: 'start' });
    top.current?.focus();
  };

  return (
    <div className="timeline">
      <h2 ref={top} tabIndex={-1} className="timeline-top sr-only">
        Latest posts
      </h2>
      <div role="status" aria-live="polite" className="new-posts-region">
        {fresh.size > 0 && (
          <button type="button" className="new-posts" onClick={() => void showFresh()}>
            {fresh.size === 1 ? '1 new post' : `${fresh.size} new posts`} — show
          </button>
        )}
      </div>
      <QueryState
        query={timeline}
        loading="Loading your timeline…"
        failed="Your timeline could not be loaded."
      />
      {timeline.isSuccess && activities.length === 0 && (
        <p className="empty">
          Nothing here yet. Follow someone under <strong>People</strong>, or post something.
        </p>
      )}
      {activities.length > 0 && (
        <ol className="feed" aria-label="Home timeline" aria-busy={timeline.isFetching}>
          {activities.map((activity) => (
            <ActivityItem key={activity.id} activity={activity} me={me} users={users} />
          ))}
        </ol>
      )}
      <MoreSentinel
        hasMore={timeline.hasNextPage}
        loading={timeline.isFetchingNextPage}
        onMore={() => void timeline.fetchNextPage()}
      />
    </div>
  );
}

function ActivityItem(props: { activity: Activity; me: string; users: readonly DemoUser[] }) {
  const { activity, me, users } = props;
  const name = activity.actor === me ? 'You' : nameOf(users, activity.actor);
  return (
    <li className="activity" data-verb={activity.verb}>
      <article aria-label={`${name}: ${describeActivity(activity, users, me)}`}>
        <Avatar name={nameOf(users, activity.actor)} />
        <div>
          <header>
            <strong>{name}</strong> <span className="muted">@{activity.actor}</span> ·{' '}
            <RelativeTime iso={activity.time} />
          </header>
          <p className={activity.verb === 'post' ? 'activity-text' : 'activity-text muted'}>
            {describeActivity(activity, users, me)}
          </p>
        </div>
      </article>
    </li>
  );
}

/** Loads the next page when it scrolls into view; a button does the same for keyboards. */
function MoreSentinel(props: { hasMore: boolean; loading: boolean; onMore: () => void }) {
  const { hasMore, loading, onMore } = props;
  const ref = useRef<HTMLDivElement>(null);
  const more = useCallback(() => {
    if (hasMore && !loading) onMore();
  }, [hasMore, loading, onMore]);
  useEffect(() => {
    const element = ref.current;
    if (element === null) return;
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((entry) => entry.isIntersecting)) more();
    });
    observer.observe(element);
    return () => observer.disconnect();
  }, [more]);
  if (!hasMore) return null;
  return (
    <div ref={ref} className="more">
      <button type="button" onClick={more} disabled={loading}>
        {loading ? 'Loading older posts…' : 'Load older posts'}
      </button>
    </div>
  );
}

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useId, useRef, useState } from 'react';
import { describeGroup } from './activity-text';
import { useDemoUsers } from './demo-users';
import { type LiveState, useFeedWatch } from './live/use-feed-watch';
import { useTRPC, useTRPCClient } from './trpc';
import { RelativeTime } from './ui/relative-time';

/**
 * The bell: the exact count of unseen notification groups (`notification:<me>`), live,
 * and a panel of aggregated groups ("Cleo and 2 others followed you"). Opening the panel
 * marks everything seen; choosing a group, or "Mark all as read", marks it read. Escape
 * closes the panel and returns focus to the bell.
 */
export function NotificationBell(props: { me: string; onLiveState: (state: LiveState) => void }) {
  const { me, onLiveState } = props;
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const users = useDemoUsers().data ?? [];
  const input = { group: 'notification', id: me, limit: 20 };
  const key = trpc.feeds.read.queryKey(input);
  const bell = useQuery(trpc.feeds.read.queryOptions(input));
  const page = bell.data?.kind === 'flat' ? undefined : bell.data;
  const unseen = page?.unseen ?? 0;
  const unread = page?.unread ?? 0;
  const [open, setOpen] = useState(false);
  const button = useRef<HTMLButtonElement>(null);
  const panelId = useId();

  const liveState = useFeedWatch(
    { group: 'notification', id: me },
    (message) => {
      // Adds, removals and marks carry the fresh counts: the bell changes at once, and the
      // list is read again for the new groups.
      if ('unseen' in message && message.unseen !== undefined) {
        const unseen = message.unseen;
        const unread = message.unread;
        queryClient.setQueryData(key, (old) =>
          old && old.kind !== 'flat' ? { ...old, unseen, unread: unread ?? old.unread } : old,
        );
      }
      void queryClient.invalidateQueries({ queryKey: key });
    },
    () => void queryClient.invalidateQueries({ queryKey: key }),
  );
  useEffect(() => onLiveState(liveState), [liveState, onLiveState]);

  const mark = useMutation(
    trpc.feeds.mark.mutationOptions({
      onSuccess: async ({ position }) => {
        // Read-your-writes: the bell as of this mark.
        queryClient.setQueryData(
          key,
          await client.feeds.read.query({ ...input, minPosition: position }),
        );
      },
    }),
  );

  useEffect(() => {
    if (!open) return;
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== 'Escape') return;
      setOpen(false);
      button.current?.focus();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [open]);

  const toggle = () => {
    const opening = !open;
    setOpen(opening);
    if (opening && unseen > 0) mark.mutate({ group: 'notification', id: me, seen: true });
  };

  return (
    <div className="bell">
      <button
        ref={button}
        type="button"
        className="bell-button"
        aria-expanded={open}
        aria-controls={panelId}
        aria-label={unseen > 0 ? `Notifications, ${unseen} unseen` : 'Notifications'}
        onClick={toggle}
      >
        <BellIcon />
        {unseen > 0 && (
          <span className="badge" aria-hidden="true" data-testid="unseen-count">
            {unseen}
          </span>
        )}
      </button>
      <span role="status" className="sr-only">
        {unseen > 0 ? `${unseen} unseen notifications` : ''}
      </span>
      {open && (
        <section id={panelId} className="bell-panel" aria-label="Notifications">
          <div className="bell-panel-head">
            <h2>Notifications</h2>
            <button
              type="button"
              className="secondary"
              disabled={unread === 0 || mark.isPending}
              onClick={() => mark.mutate({ group: 'notification', id: me, read: true })}
            >
              Mark all as read
            </button>
          </div>
          {bell.isPending && <p role="status">Loading…</p>}
          {bell.isError && (
            <p role="alert" className="notice notice-error">
              Notifications could not be loaded.
            </p>
          )}
          {page !== undefined && page.results.length === 0 && (
            <p className="empty">No notifications yet.</p>
          )}
          {page !== undefined && page.results.length > 0 && (
            <ul className="notifications">
              {page.results.map((group) => (
                <li key={group.id} className={group.isRead ? 'read' : 'unread'}>
                  <button
                    type="button"
                    className="notification"
                    onClick={() => mark.mutate({ group: 'notification', id: me, read: [group.id] })}
                  >
                    <span>{describeGroup(group, users)}</span>
                    <span className="muted">
                      <RelativeTime iso={group.updatedAt} />
                      {group.isRead ? '' : ' · unread'}
                    </span>
                  </button>
                </li>
              ))}
            </ul>
          )}
        </section>
      )}
    </div>
  );
}

function BellIcon() {
  return (
    <svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true" focusable="false">
      <path
        fill="currentColor"
        d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22Zm7-6V11a7 7 0 0 0-5.5-6.84V3.5a1.5 1.5 0 0 0-3 0v.66A7 7 0 0 0 5 11v5l-2 2v1h18v-1Z"
      />
    </svg>
  );
}

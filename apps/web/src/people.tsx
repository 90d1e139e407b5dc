import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { DemoUser } from './demo-session';
import { useDemoUsers } from './demo-users';
import { timelineInput } from './timeline';
import { useTRPC, useTRPCClient } from './trpc';
import { Avatar } from './ui/avatar';

/**
 * The other demo users, each with a Follow / Unfollow button. Following `ben` means
 * `timeline:<me>` follows `user:ben` (his recent posts are copied in), and a `follow`
 * activity in `user:<me>` tells Ben through his `notification:` feed.
 */
export function People(props: { me: string }) {
  const { me } = props;
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const users = useDemoUsers();
  const followingInput = { group: 'timeline', id: me, limit: 100 };
  const following = useQuery(trpc.feeds.following.queryOptions(followingInput));
  const followers = useQuery(
    trpc.feeds.followers.queryOptions({ group: 'user', id: me, limit: 100 }),
  );
  const followed = new Set(following.data?.results.map((edge) => edge.feed));
  const followsMe = new Set(followers.data?.results.map((edge) => edge.feed));

  const toggle = useMutation({
    mutationFn: async (user: DemoUser) => {
      const target = `user:${user.id}`;
      if (followed.has(target)) {
        return client.feeds.unfollow.mutate({
          group: 'timeline',
          id: me,
          targetGroup: 'user',
          targetId: user.id,
        });
      }
      await client.feeds.follow.mutate({ group: 'timeline', id: me, target });
      // The follow's own story, which also tells Ben; its position is the later one.
      return client.feeds.add.mutate({
        group: 'user',
        id: me,
        actor: me,
        verb: 'follow',
        object: target,
        to: [`notification:${user.id}`],
      });
    },
    onSuccess: async ({ position }) => {
      // Read-your-writes: the list as of this follow, then the timeline with its copies.
      const fresh = await client.feeds.following.query({
        ...followingInput,
        minPosition: position,
      });
      queryClient.setQueryData(trpc.feeds.following.queryKey(followingInput), fresh);
      await queryClient.invalidateQueries({
        queryKey: trpc.feeds.read.infiniteQueryKey(timelineInput(me)),
      });
    },
  });

  const others = users.data?.filter((user) => user.id !== me) ?? [];
  return (
    <>
      {(users.isPending || following.isPending) && (
        <p role="status" className="muted">
          Loading people…
        </p>
      )}
      {following.isError && (
        <p role="alert" className="notice notice-error">
          Who you follow could not be loaded.
        </p>
      )}
      {following.isSuccess && others.length === 0 && (
        <p className="empty">No one else is here yet.</p>
      )}
      {following.isSuccess && others.length > 0 && (
        <ul className="people-list" aria-label="People">
          {others.map((user) => {
            const isFollowed = followed.has(`user:${user.id}`);
            const busy = toggle.isPending && toggle.variables?.id === user.id;
            return (
              <li key={user.id} className="person">
                <Avatar name={user.name} />
                <span className="person-name">
                  <strong>{user.name}</strong>
                  <span className="muted">
                    @{user.id}
                    {followsMe.has(`timeline:${user.id}`) ? ' · follows you' : ''}
                  </span>
                </span>
                <button
                  type="button"
                  className={isFollowed ? 'secondary' : ''}
                  disabled={busy}
                  onClick={() => toggle.mutate(user)}
                >
                  {isFollowed ? 'Unfollow' : 'Follow'}
                  <span className="sr-only"> {user.name}</span>
                </button>
              </li>
            );
          })}
        </ul>
      )}
      {toggle.isError && (
        <p role="alert" className="notice notice-error">
          That did not work: {toggle.error.message}
        </p>
      )}
    </>
  );
}

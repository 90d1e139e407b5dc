import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useId, useState } from 'react';
import { mentionedUsers } from './activity-text';
import { useDemoUsers } from './demo-users';
import { timelineInput } from './timeline';
import { useTRPC, useTRPCClient } from './trpc';

const MAX_LENGTH = 280;

/**
 * Posts to `user:<me>` through `feeds.add`; `@id` mentions of demo users also go to their
 * notification feeds (`to`). The post carries its own time and foreignId, so a retried
 * request cannot post it twice. Ctrl/⌘+Enter posts.
 */
export function Composer(props: { me: string }) {
  const { me } = props;
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const users = useDemoUsers().data ?? [];
  const [text, setText] = useState('');
  const id = useId();

  const post = useMutation(
    trpc.feeds.add.mutationOptions({
      onSuccess: async ({ position }) => {
        setText('');
        // Read-your-writes: this read returns once the timeline includes the post.
        await client.feeds.read.query({ ...timelineInput(me), limit: 1, minPosition: position });
        await queryClient.invalidateQueries({
          queryKey: trpc.feeds.read.infiniteQueryKey(timelineInput(me)),
        });
      },
    }),
  );

  const trimmed = text.trim();
  const submit = (event?: FormEvent) => {
    event?.preventDefault();
    if (trimmed === '' || trimmed.length > MAX_LENGTH || post.isPending) return;
    const postId = crypto.randomUUID();
    const mentions = mentionedUsers(trimmed, users, me);
    post.mutate({
      group: 'user',
      id: me,
      actor: me,
      verb: 'post',
      object: `post:${postId}`,
      foreignId: `post:${postId}`,
      time: new Date().toISOString(),
      extra: { text: trimmed },
      ...(mentions.length > 0 ? { to: mentions.map((user) => `notification:${user}`) } : {}),
    });
  };

  return (
    <form className="composer" onSubmit={submit} aria-label="New post">
      <label htmlFor={`${id}-text`}>What’s happening?</label>
      <textarea
        id={`${id}-text`}
        value={text}
        rows={3}
        maxLength={MAX_LENGTH}
        aria-describedby={`${id}-hint`}
        placeholder="Say something — @ben mentions Ben"
        onChange={(event) => setText(event.target.value)}
        onKeyDown={(event) => {
          if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) submit();
        }}
      />
      <div className="composer-bar">
        <span id={`${id}-hint`} className="muted">
          {MAX_LENGTH - text.length} characters left · Ctrl+Enter posts
        </span>
        <button type="submit" disabled={trimmed === '' || post.isPending}>
          {post.isPending ? 'Posting…' : 'Post'}
        </button>
      </div>
      {post.isError && (
        <p role="alert" className="notice notice-error">
          Your post was not sent: {post.error.message}
        </p>
      )}
    </form>
  );
}

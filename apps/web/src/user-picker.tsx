import { useDemoUsers } from './demo-users';
import { failureOf } from './failure';
import { Avatar } from './ui/avatar';
import { QueryState } from './ui/query-state';

/** The first screen: who to be. Each demo user is one button. */
export function UserPicker(props: { onPick: (userId: string) => void }) {
  const users = useDemoUsers();
  return (
    <main className="picker" aria-labelledby="picker-heading">
      <h1 id="picker-heading">Tideline demo</h1>
      <p>
        A live activity feed on Tideline’s typed client: a home timeline, follows and a notification
        bell, updated as they happen. Pick a demo user — open a second window as someone else to
        watch the two talk to each other.
      </p>
      <QueryState
        query={users}
        loading="Loading demo users…"
        failed={
          users.error && failureOf(users.error).kind === 'offline'
            ? 'The server is not reachable.'
            : users.error?.message
        }
      />
      {users.data && (
        <ul className="picker-list" aria-label="Demo users">
          {users.data.map((user) => (
            <li key={user.id}>
              <button type="button" className="picker-user" onClick={() => props.onPick(user.id)}>
                <Avatar name={user.name} />
                <span>
                  Continue as <strong>{user.name}</strong>
                  <span className="muted"> @{user.id}</span>
                </span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </main>
  );
}

import { useQueryClient } from '@tanstack/react-query';
import { createTidelineClient } from '@tideline/client';
import { useState } from 'react';
import { clearFailure } from './api-status';
import { demoTokenSource, storedUserId, storeUserId } from './demo-session';
import { Shell } from './shell';
import { TRPCProvider } from './trpc';
import { UserPicker } from './user-picker';

/** Picks a demo user (remembered across reloads), then runs the app as that user. */
export function App() {
  const queryClient = useQueryClient();
  const [userId, setUserId] = useState(storedUserId);
  const choose = (id: string | undefined) => {
    storeUserId(id);
    queryClient.removeQueries({ predicate: (query) => query.queryKey[0] !== 'demo' });
    clearFailure();
    setUserId(id);
  };
  if (userId === undefined) return <UserPicker onPick={choose} />;
  return <Session key={userId} userId={userId} onSignOut={() => choose(undefined)} />;
}

function Session(props: { userId: string; onSignOut: () => void }) {
  const queryClient = useQueryClient();
  const [trpcClient] = useState(() =>
    createTidelineClient({ url: window.location.origin, token: demoTokenSource(props.userId) }),
  );
  return (
    <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
      <Shell userId={props.userId} onSignOut={props.onSignOut} />
    </TRPCProvider>
  );
}

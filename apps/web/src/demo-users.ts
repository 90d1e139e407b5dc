import { useQuery } from '@tanstack/react-query';
import { type DemoUser, fetchDemoUsers } from './demo-session';

/** The demo users, fetched once per page load. */
export function useDemoUsers() {
  return useQuery({ queryKey: ['demo', 'users'], queryFn: fetchDemoUsers, staleTime: Infinity });
}

/** A user's display name, falling back to the id for someone outside the demo. */
export function nameOf(users: readonly DemoUser[] | undefined, id: string): string {
  return users?.find((user) => user.id === id)?.name ?? id;
}

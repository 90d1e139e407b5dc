import { MutationCache, QueryCache, QueryClient } from '@tanstack/react-query';
import { reportFailure, reportSuccess } from './api-status';
import { failureOf, isFinal } from './failure';

/**
 * One QueryClient for the app. Every failed query or mutation reports what went wrong
 * (offline, 401, 429, …) to the status banner; a 401, a 429 or a refused request is not
 * retried, since the same request would fail again.
 */
export function createQueryClient(): QueryClient {
  const onError = (error: unknown) => reportFailure(failureOf(error));
  return new QueryClient({
    queryCache: new QueryCache({ onError, onSuccess: reportSuccess }),
    mutationCache: new MutationCache({ onError, onSuccess: reportSuccess }),
    defaultOptions: {
      queries: {
        retry: (count, error) => !isFinal(failureOf(error)) && count < 3,
        refetchOnWindowFocus: false,
        staleTime: 15_000,
      },
      mutations: { retry: false },
    },
  });
}

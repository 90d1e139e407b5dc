import type { ReactNode } from 'react';

/**
 * A query's loading and failure states, announced to assistive tech: "Loading…" as a
 * status, a failure as an alert with a retry button.
 */
export function QueryState(props: {
  query: { isPending: boolean; isError: boolean; refetch: () => unknown };
  loading: string;
  failed: ReactNode;
}) {
  const { query } = props;
  if (query.isError) {
    return (
      <div role="alert" className="notice notice-error">
        <p>{props.failed}</p>
        <button type="button" onClick={() => void query.refetch()}>
          Try again
        </button>
      </div>
    );
  }
  if (query.isPending) {
    return (
      <p role="status" className="muted">
        {props.loading}
      </p>
    );
  }
  return null;
}

import { TidelineError } from '@tideline/domain';

export type ExpectedVersion = 'any' | 'no_stream' | 'stream_exists' | number;

/** The stream was not at the version the append expected. `actualVersion` 0 = no stream. */
export class VersionConflictError extends TidelineError {
  readonly streamId: string;
  readonly expectedVersion: ExpectedVersion;
  readonly actualVersion: number;

  constructor(streamId: string, expectedVersion: ExpectedVersion, actualVersion: number) {
    const actual = actualVersion === 0 ? 'no stream' : `version ${actualVersion}`;
    super(
      'VERSION_CONFLICT',
      `stream ${streamId}: expected ${describeExpected(expectedVersion)}, found ${actual}`,
      { streamId, expectedVersion, actualVersion },
    );
    this.streamId = streamId;
    this.expectedVersion = expectedVersion;
    this.actualVersion = actualVersion;
  }
}

/**
 * Some, but not all, of an append's event ids were stored already, or they were stored in
 * another stream or order: this is not a retry of an earlier append.
 */
export class IdempotencyConflictError extends TidelineError {
  constructor(streamId: string, detail: string) {
    super('IDEMPOTENCY_CONFLICT', `stream ${streamId}: ${detail}`, { streamId });
  }
}

function describeExpected(expected: ExpectedVersion): string {
  if (expected === 'no_stream') return 'no stream';
  if (expected === 'stream_exists') return 'an existing stream';
  if (expected === 'any') return 'any version';
  return `version ${expected}`;
}

import type { components } from './schema';

export type ErrorCode = components['schemas']['Error']['error']['code'];
export type ErrorDetail = components['schemas']['ErrorDetail'];
export type RunDetail = components['schemas']['RunDetail'];

/** The API answered with an error: `code` is the API's stable code, `details` name the elements at fault. */
export class HeraldApiError extends Error {
  override name = 'HeraldApiError';
  constructor(
    readonly status: number,
    /** The API's code, or `unexpected_response` when the answer was not Herald's error body (a proxy's page). */
    readonly code: ErrorCode | 'unexpected_response',
    message: string,
    readonly details: ErrorDetail[] = [],
    /** Seconds, from Retry-After on a 429 or 503. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

/** The run ended, but not in `succeeded`: `run` holds its status and error. */
export class RunFailedError extends Error {
  override name = 'RunFailedError';
  constructor(readonly run: RunDetail) {
    super(`Run ${run.id} (${run.task}) ended ${run.status}`);
  }
}

/** waitForRun gave up after its timeout; the run itself goes on. */
export class RunWaitTimeoutError extends Error {
  override name = 'RunWaitTimeoutError';
  constructor(
    readonly runId: string,
    readonly timeoutMs: number,
    /** The run as last seen, when it was seen at all. */
    readonly lastSeen?: RunDetail,
  ) {
    super(`Run ${runId} had not ended after ${timeoutMs} ms (last seen: ${lastSeen?.status ?? 'never'})`);
  }
}

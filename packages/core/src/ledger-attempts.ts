import { MAX_TASK_ATTEMPTS } from './constants';
import type { RunEnd } from './ledger';

/**
 * A run's attempts, in TaskRun."attemptLog": one element per attempt, the last MAX_ATTEMPT_LOG
 * kept. A start appends an open element (no endedAt); an end completes it.
 */
export interface AttemptLogEntry {
  attempt: number;
  startedAt: string;
  endedAt?: string;
  outcome?: RunEnd['status'];
  /** The first line of the error's message. */
  error?: string;
  nextAttemptAt?: string;
}

/**
 * Attempts are bounded by MAX_TASK_ATTEMPTS, yet a job redelivered after a stall starts the same
 * attempt again and appends again: the log keeps the latest this many.
 */
export const MAX_ATTEMPT_LOG = MAX_TASK_ATTEMPTS;

/** The longest error line kept per attempt. */
const MAX_ERROR_LINE = 500;

/** What an end adds to its attempt's element, as JSON: the outcome, the error's first line, the next try. */
export function attemptEndOf(run: RunEnd): string {
  const error = run.error as { message?: unknown; nextAttemptAt?: unknown } | null | undefined;
  const message = typeof error?.message === 'string' ? error.message.split('\n', 1)[0]! : undefined;
  return JSON.stringify({
    outcome: run.status,
    ...(message !== undefined ? { error: message.slice(0, MAX_ERROR_LINE) } : {}),
    ...(typeof error?.nextAttemptAt === 'string' ? { nextAttemptAt: error.nextAttemptAt } : {}),
  });
}

/** A timestamptz expression as ISO 8601 text in UTC, rounded to the millisecond as the DateTime columns are. */
export const isoTime = (at: string) =>
  `to_char(((${at}) AT TIME ZONE 'UTC')::timestamp(3), 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** SQL: the log `log` (a jsonb expression, maybe null) with the elements of the jsonb array `added`. */
export const appendAttempts = (log: string, added: string) => {
  const joined = `(COALESCE(${log}, '[]'::jsonb) || ${added})`;
  // One element is added at a time, so one removed from the front keeps the bound.
  return `CASE WHEN jsonb_array_length(${joined}) > ${MAX_ATTEMPT_LOG} THEN ${joined} - 0 ELSE ${joined} END`;
};

/** SQL: a start's log, from the starts statement's row `v` (attempt, ago: ms before now). */
export const startedAttempt = `jsonb_build_array(jsonb_build_object('attempt', v.attempt, 'startedAt', ${isoTime(
  "now() - v.ago * interval '1 millisecond'",
)}))`;

/**
 * SQL: the log `log` (a jsonb expression) once an attempt ended, from the ends statement's row `v`
 * (attempt_end: outcome, error, nextAttemptAt; attempts; started_ago, ended_ago: ms before now).
 * Its open last element is completed; with none open, a start written by the same statement
 * (started_ago not null) adds a complete element; otherwise (a run cancelled before its next
 * attempt started) the log stays as it is.
 */
export function endedAttempt(log: string): string {
  const last = `(${log} -> -1)`;
  const startedAt = "now() - v.started_ago * interval '1 millisecond'";
  const endFields = `v.attempt_end || jsonb_build_object('endedAt', ${isoTime("now() - v.ended_ago * interval '1 millisecond'")})`;
  const complete = `jsonb_build_object('attempt', v.attempts, 'startedAt', ${isoTime(startedAt)}) || ${endFields}`;
  return `CASE
    WHEN ${last} IS NOT NULL AND NOT ${last} ? 'endedAt' THEN jsonb_set(${log}, '{-1}', ${last} || ${endFields})
    WHEN v.started_ago IS NOT NULL THEN ${appendAttempts(log, `jsonb_build_array(${complete})`)}
    ELSE ${log} END`;
}

/**
 * SQL: the log `log` with its open last element completed by `end` (a jsonb expression: outcome,
 * error, nextAttemptAt), ended now; a log with no open element stays as it is. For an end
 * written on its own, outside the batched ends statement.
 */
export function endedOpenAttempt(log: string, end: string): string {
  const last = `(${log} -> -1)`;
  return `CASE WHEN ${last} IS NOT NULL AND NOT ${last} ? 'endedAt'
    THEN jsonb_set(${log}, '{-1}', ${last} || ${end} || jsonb_build_object('endedAt', ${isoTime('now()')}))
    ELSE ${log} END`;
}

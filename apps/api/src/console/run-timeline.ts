import type { TaskRun } from '@herald/db';

export interface TimelineEntry {
  label: string;
  at: Date;
  detail?: string;
}

type TimelineRun = Pick<
  TaskRun,
  | 'status'
  | 'attempts'
  | 'maxAttempts'
  | 'error'
  | 'createdAt'
  | 'startedAt'
  | 'finishedAt'
  | 'updatedAt'
  | 'attemptLog'
>;

/** One attempt as the ledger records it (TaskRun."attemptLog"), times parsed. */
interface Attempt {
  attempt: number;
  startedAt: Date;
  endedAt?: Date;
  outcome?: string;
  error?: string;
  nextAttemptAt?: Date;
}

/** As the console shows times: 2026-12-06 03:12:58 UTC. */
const consoleTime = (date: Date) =>
  date
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC');

function dateOf(value: unknown): Date | undefined {
  if (typeof value !== 'string') return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** The recorded attempts, or null when the row has none (written before attempts were recorded). */
function attemptsOf(log: unknown): Attempt[] | null {
  if (!Array.isArray(log) || log.length === 0) return null;
  const attempts: Attempt[] = [];
  for (const item of log as Record<string, unknown>[]) {
    const startedAt = dateOf(item?.startedAt);
    if (typeof item?.attempt !== 'number' || !startedAt) continue;
    attempts.push({
      attempt: item.attempt,
      startedAt,
      endedAt: dateOf(item.endedAt),
      outcome: typeof item.outcome === 'string' ? item.outcome : undefined,
      error: typeof item.error === 'string' ? item.error : undefined,
      nextAttemptAt: dateOf(item.nextAttemptAt),
    });
  }
  return attempts.length ? attempts : null;
}

function attemptEntries(attempt: Attempt): TimelineEntry[] {
  const entries: TimelineEntry[] = [{ label: `Attempt ${attempt.attempt} started`, at: attempt.startedAt }];
  if (!attempt.endedAt || !attempt.outcome) return entries;
  if (attempt.outcome === 'retrying') {
    const retry = attempt.nextAttemptAt ? `retry at ${consoleTime(attempt.nextAttemptAt)}` : undefined;
    entries.push({
      label: `Attempt ${attempt.attempt} failed`,
      at: attempt.endedAt,
      detail: [attempt.error, retry].filter(Boolean).join(', ') || undefined,
    });
  } else {
    entries.push({
      label: `Ended: ${attempt.outcome}`,
      at: attempt.endedAt,
      detail: [`attempt ${attempt.attempt}`, attempt.error].filter(Boolean).join(': '),
    });
  }
  return entries;
}

/** What the run's row tells of its life: queued, then each attempt started and ended, with times. */
export function runTimeline(run: TimelineRun): TimelineEntry[] {
  const attempts = attemptsOf(run.attemptLog);
  if (!attempts) return derivedTimeline(run);
  const entries: TimelineEntry[] = [
    { label: 'Queued', at: run.createdAt },
    ...attempts.flatMap(attemptEntries),
  ];
  const last = attempts.at(-1)!;
  // Ended without its attempt's end recorded: cancelled while waiting to retry, or ended by an alert policy.
  if (run.finishedAt && (!last.endedAt || last.outcome === 'retrying'))
    entries.push({
      label: `Ended: ${run.status}`,
      at: run.finishedAt,
      detail: `after ${run.attempts} attempt(s)`,
    });
  return entries;
}

/** A row written before attempts were recorded: its columns only. */
function derivedTimeline(run: TimelineRun): TimelineEntry[] {
  const entries: TimelineEntry[] = [{ label: 'Queued', at: run.createdAt }];
  if (run.startedAt) entries.push({ label: 'Started', at: run.startedAt, detail: 'attempt 1' });
  const error = run.error as { nextAttemptAt?: unknown } | null;
  if (run.status === 'retrying' || run.attempts > 1) {
    const next = dateOf(error?.nextAttemptAt);
    entries.push({
      label: 'Retried',
      at: run.updatedAt,
      detail: `attempt ${run.attempts} of ${run.maxAttempts}${next ? `, next at ${next.toISOString()}` : ''}`,
    });
  }
  if (run.finishedAt)
    entries.push({
      label: `Ended: ${run.status}`,
      at: run.finishedAt,
      detail: `after ${run.attempts} attempt(s)`,
    });
  return entries;
}

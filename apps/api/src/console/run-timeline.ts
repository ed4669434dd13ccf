import type { TaskRun } from '@herald/db';

export interface TimelineEntry {
  label: string;
  at: Date;
  detail?: string;
}

/** What the run's row tells of its life: queued, started, retried, ended. */
export function runTimeline(
  run: Pick<
    TaskRun,
    'status' | 'attempts' | 'maxAttempts' | 'error' | 'createdAt' | 'startedAt' | 'finishedAt' | 'updatedAt'
  >,
): TimelineEntry[] {
  const entries: TimelineEntry[] = [{ label: 'Queued', at: run.createdAt }];
  if (run.startedAt) entries.push({ label: 'Started', at: run.startedAt, detail: 'attempt 1' });
  const error = run.error as { nextAttemptAt?: unknown } | null;
  if (run.status === 'retrying' || run.attempts > 1) {
    const next = typeof error?.nextAttemptAt === 'string' ? new Date(error.nextAttemptAt) : null;
    entries.push({
      label: 'Retried',
      at: run.updatedAt,
      detail: `attempt ${run.attempts} of ${run.maxAttempts}${next && !Number.isNaN(next.getTime()) ? `, next at ${next.toISOString()}` : ''}`,
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

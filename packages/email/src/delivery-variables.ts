import type { TaskRun, User } from '@herald/db';
import { formatDuration, formatElapsed, formatUtc } from './format';
import type { TemplateVariables } from './template-variables';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The run's error as one message: TaskRun.error holds `{message, ...}`, older rows may hold a string. */
export function errorMessageOf(error: unknown): string | undefined {
  if (typeof error === 'string') return error || undefined;
  if (isRecord(error) && typeof error.message === 'string') return error.message || undefined;
  return undefined;
}

/**
 * The variables of a task mail (SPEC §2): every key of the run's result, then the standard
 * ones, which win on a clash so a result cannot change who the mail greets or what status it shows.
 */
export function buildDeliveryVariables(input: {
  run: TaskRun;
  owner: Pick<User, 'name'>;
  phase: string;
  frontendUrl: string;
  /** This run's own link (the console's signed one); "View results" points here when set. */
  resultsUrl?: string;
  /** What was decided when the delivery was written (an alert's kind, how long it was failing). */
  context?: unknown;
}): TemplateVariables {
  const { run, owner, phase, frontendUrl } = input;
  return {
    notice: noticeFor(run, phase, input.context),
    ...(isRecord(run.result) ? run.result : {}),
    recipient_name: owner.name ?? undefined,
    task_name: run.task,
    run_title: run.title ?? undefined,
    task_id: run.id,
    status: phase,
    execution_time: formatElapsed(run.startedAt, run.finishedAt),
    completed_at: run.finishedAt ?? undefined,
    error_message: errorMessageOf(run.error),
    frontend_url: frontendUrl,
    results_url: input.resultsUrl,
  };
}

/** One sentence that explains this mail when the status alone does not: a retry, a recovery. */
function noticeFor(run: TaskRun, phase: string, context: unknown): string | undefined {
  if (phase === 'retrying') {
    const next =
      isRecord(run.error) && typeof run.error.nextAttemptAt === 'string'
        ? new Date(run.error.nextAttemptAt)
        : null;
    const due = next && !Number.isNaN(next.getTime()) ? formatUtc(next) : undefined;
    return `Attempt ${run.attempts} of ${run.maxAttempts} failed${due ? `; the next attempt is due at ${due}` : '; it will be tried again'}.`;
  }
  if (isRecord(context) && context.alert === 'recovery' && typeof context.failing_for_ms === 'number') {
    return `Recovered: it had been failing for ${formatDuration(context.failing_for_ms) ?? 'a while'}.`;
  }
  return undefined;
}

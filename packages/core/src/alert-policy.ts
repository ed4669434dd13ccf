import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { withChanges, type TaskDefinition } from './define-task';
import { checkOnlyErrors } from './notification-filter';

/**
 * Change-only alerting for recurring tasks: alert on the first outcome and on every change
 * between OK and FAIL; a repeated FAIL alerts again only after silentSeconds, a repeated OK
 * only after okSilentHours.
 */
export interface AlertPolicy<Input = any> {
  silentSeconds: number;
  okSilentHours: number;
  /**
   * Only failures with one of these errors (by name, in the error or its `cause` chain) are FAIL
   * outcomes. Any other failure is not an alert outcome: it sends none of the OK/FAIL notifications
   * and leaves the OK/FAIL state as it was. Successes are not filtered.
   */
  onlyErrors?: string[];
  /**
   * Keys the OK/FAIL state by the run's input (kept per task: `<task>:<key>`), e.g. one history
   * per monitored target. Default: the schedule's name, or the task's for unscheduled runs.
   */
  key?: (input: Input) => string;
}

export type AlertOutcome = 'ok' | 'fail';
export type AlertKind = 'first' | 'failure' | 'recovery' | 'repeat';

export interface AlertState {
  lastOutcome: string | null;
  lastAlertAt: Date | null;
  failingSince: Date | null;
}

export interface AlertDecision {
  alert: boolean;
  kind: AlertKind;
  /** For a recovery: how long it had been failing. */
  failingForMs?: number;
  next: AlertState;
}

export function alertPolicy<PolicyInput = any>(policy: AlertPolicy<PolicyInput>) {
  if (policy.silentSeconds < 0 || policy.okSilentHours < 0)
    throw new Error('alertPolicy: silences must be >= 0');
  if (policy.key !== undefined && typeof policy.key !== 'function')
    throw new Error('alertPolicy: key must be a function of the run’s input that returns a string');
  const onlyErrors = checkOnlyErrors(policy.onlyErrors, 'alertPolicy');
  const checked = { ...policy, ...(onlyErrors ? { onlyErrors } : {}) };
  return <Input extends PolicyInput, Output, Name extends string>(
    task: TaskDefinition<Input, Output, Name>,
  ): TaskDefinition<Input, Output, Name> => withChanges(task, { alertPolicy: checked });
}

/** Longer keys are shortened (a prefix and a hash), so the key stays indexable and fits a PagerDuty dedup key. */
export const MAX_ALERT_KEY_LENGTH = 200;

/**
 * The key a run's OK/FAIL state is kept under. A key function that throws or returns no
 * non-empty string is logged and the default is used: an alert key never fails a run.
 */
export function alertKeyFor(
  task: TaskDefinition,
  run: { input?: unknown; scheduleName?: string | null },
  logger: Logger,
): string {
  const fallback = run.scheduleName ?? task.name;
  const keyOf = task.alertPolicy?.key;
  if (!keyOf) return fallback;
  let key: unknown;
  try {
    key = keyOf(run.input);
  } catch (error) {
    logger.warn({ task: task.name, err: error }, `alert key function threw; using "${fallback}"`);
    return fallback;
  }
  if (typeof key !== 'string' || !key.trim()) {
    logger.warn({ task: task.name }, `alert key function returned no non-empty string; using "${fallback}"`);
    return fallback;
  }
  const full = `${task.name}:${key}`;
  if (full.length <= MAX_ALERT_KEY_LENGTH) return full;
  const hash = createHash('sha256').update(full).digest('hex').slice(0, 16);
  return `${full.slice(0, MAX_ALERT_KEY_LENGTH - hash.length - 1)}#${hash}`;
}

export function decideAlert(
  state: AlertState,
  outcome: AlertOutcome,
  now: Date,
  policy: AlertPolicy,
): AlertDecision {
  const failingSince = outcome === 'fail' ? (state.lastOutcome === 'fail' ? state.failingSince : now) : null;
  const decide = (alert: boolean, kind: AlertKind, failingForMs?: number): AlertDecision => ({
    alert,
    kind,
    failingForMs,
    next: { lastOutcome: outcome, lastAlertAt: alert ? now : state.lastAlertAt, failingSince },
  });
  if (!state.lastOutcome) return decide(true, 'first');
  if (state.lastOutcome !== outcome) {
    if (outcome === 'ok') {
      const since = state.failingSince ?? state.lastAlertAt ?? now;
      return decide(true, 'recovery', now.getTime() - since.getTime());
    }
    return decide(true, 'failure');
  }
  const silenceMs = outcome === 'fail' ? policy.silentSeconds * 1_000 : policy.okSilentHours * 3_600_000;
  const sinceAlert = state.lastAlertAt ? now.getTime() - state.lastAlertAt.getTime() : Infinity;
  return decide(sinceAlert >= silenceMs, 'repeat');
}

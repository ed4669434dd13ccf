import { withChanges, type TaskDefinition } from './define-task';

/**
 * Change-only alerting for recurring tasks: alert on the first outcome and on every change
 * between OK and FAIL; a repeated FAIL alerts again only after silentSeconds, a repeated OK
 * only after okSilentHours.
 */
export interface AlertPolicy {
  silentSeconds: number;
  okSilentHours: number;
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

export function alertPolicy(policy: AlertPolicy) {
  if (policy.silentSeconds < 0 || policy.okSilentHours < 0) throw new Error('alertPolicy: silences must be >= 0');
  return <Input, Output, Name extends string>(task: TaskDefinition<Input, Output, Name>): TaskDefinition<Input, Output, Name> =>
    withChanges(task, { alertPolicy: policy });
}

export function decideAlert(state: AlertState, outcome: AlertOutcome, now: Date, policy: AlertPolicy): AlertDecision {
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

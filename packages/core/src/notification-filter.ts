import type { NotificationPhase } from './constants';
import type { NotificationRule, TaskDefinition } from './define-task';
import { errorNamesOf } from './run-error';

/**
 * The phases onlyErrors filters: those that end (or retry) a run because of an error. A success
 * has no error to match, and a cancel is someone's decision rather than a fault, so a rule that
 * asks for `succeeded` or `cancelled` gets those whatever its onlyErrors says.
 */
export const ERROR_PHASES: readonly NotificationPhase[] = ['failed', 'timed_out', 'retrying'];

/** Checks an onlyErrors option where it is defined (`where` names the call); returns a copy. */
export function checkOnlyErrors(value: unknown, where: string): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length === 0)
    throw new Error(`${where}: onlyErrors must be a non-empty list of error names, e.g. ['TimeoutError']`);
  value.forEach((name, index) => {
    if (typeof name !== 'string' || !name.trim())
      throw new Error(`${where}: onlyErrors[${index}] must be a non-empty string (an error's name)`);
  });
  return [...(value as string[])];
}

/**
 * True unless the phase is an error phase, onlyErrors is set, and neither the error's name nor
 * the name of any error in its cause chain is in it. A retry without a recorded error is not
 * filtered; a failure without one matches nothing.
 */
export function matchesOnlyErrors(
  onlyErrors: readonly string[] | undefined,
  phase: NotificationPhase,
  error: unknown,
): boolean {
  if (!onlyErrors || !ERROR_PHASES.includes(phase)) return true;
  if (phase === 'retrying' && (error === undefined || error === null)) return true;
  return errorNamesOf(error).some((name) => onlyErrors.includes(name));
}

/** The task's notifications for a phase: rules that ask for it and whose onlyErrors the error matches. */
export function notificationsFor(
  task: TaskDefinition | null,
  phase: NotificationPhase,
  attempt: number,
  error: unknown,
): { rule: NotificationRule; phase: NotificationPhase; attempt: number }[] {
  return (task?.notifications ?? [])
    .filter((rule) => rule.on.includes(phase) && matchesOnlyErrors(rule.onlyErrors, phase, error))
    .map((rule) => ({ rule, phase, attempt }));
}

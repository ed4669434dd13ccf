import type { TaskRun } from '@herald/db';

/** How many lines of a failed run's stack a notification shows. */
export const NOTIFIED_STACK_LINES = 5;

export interface NotifiedError {
  name: string;
  message: string;
  /** The first lines of the stack below its "Name: message" line; empty when none was recorded. */
  stack: string[];
}

/** The run's recorded error as a notification shows it, or null when the run has none. */
export function runErrorOf(run: TaskRun): NotifiedError | null {
  const error = run.error;
  if (!error || typeof error !== 'object' || Array.isArray(error)) return null;
  const { name, message, stack } = error as { name?: unknown; message?: unknown; stack?: unknown };
  const frames =
    typeof stack === 'string'
      ? stack
          .split('\n')
          .map((line) => line.trim())
          .filter((line) => line.startsWith('at '))
          .slice(0, NOTIFIED_STACK_LINES)
      : [];
  return {
    name: typeof name === 'string' ? name : 'Error',
    message: typeof message === 'string' ? message : '',
    stack: frames,
  };
}

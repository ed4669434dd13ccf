/** How many lines of a failed run's stack its recorded error keeps (the first is "Name: message"). */
export const RECORDED_STACK_LINES = 10;
const RECORDED_STACK_CHARS = 2_000;

/**
 * The first lines of an error's stack, for the run's recorded error: enough for a notification
 * to show where it failed, without storing a deep trace on every failed run. Empty when none.
 */
export function recordedStackOf(error: unknown): { stack?: string } {
  const stack = error instanceof Error ? error.stack : undefined;
  if (!stack) return {};
  return {
    stack: stack.split('\n').slice(0, RECORDED_STACK_LINES).join('\n').slice(0, RECORDED_STACK_CHARS),
  };
}

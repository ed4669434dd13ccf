import type { Logger } from 'pino';
import type { RunState } from './constants';
import type { StateChange, TaskDefinition } from './define-task';

/** How long one state handler may take before it is logged and abandoned; the run's end never waits longer. */
export const STATE_HANDLER_TIMEOUT_MS = 10_000;

const abandoned = Symbol('abandoned');

/**
 * Calls the task's state handlers in order. One that throws is logged and never fails the run;
 * one still running after `timeoutMs` is logged and left behind, and the next one is called.
 */
export async function callStateHandlers(
  task: TaskDefinition,
  oldState: RunState,
  newState: RunState,
  change: StateChange,
  logger: Logger,
  timeoutMs = STATE_HANDLER_TIMEOUT_MS,
): Promise<void> {
  for (const handler of task.stateHandlers) {
    const context = { task: task.name, runId: change.runId, oldState, newState };
    let timer: NodeJS.Timeout | undefined;
    try {
      const expired = new Promise<typeof abandoned>((resolve) => {
        timer = setTimeout(() => resolve(abandoned), timeoutMs);
      });
      const outcome = await Promise.race([
        Promise.resolve().then(() => handler(task, oldState, newState, change)),
        expired,
      ]);
      if (outcome === abandoned)
        logger.warn(context, `state handler still running after ${timeoutMs} ms; abandoned`);
    } catch (error) {
      logger.warn({ ...context, err: error }, 'state handler failed');
    } finally {
      clearTimeout(timer);
    }
  }
}

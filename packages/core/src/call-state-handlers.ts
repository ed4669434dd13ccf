import type { Logger } from 'pino';
import type { RunState } from './constants';
import type { StateChange, TaskDefinition } from './define-task';

/** Calls the task's state handlers in order; one that throws is logged and never fails the run. */
export async function callStateHandlers(
  task: TaskDefinition,
  oldState: RunState,
  newState: RunState,
  change: StateChange,
  logger: Logger,
): Promise<void> {
  for (const handler of task.stateHandlers) {
    try {
      await handler(task, oldState, newState, change);
    } catch (error) {
      logger.warn({ err: error, task: task.name, runId: change.runId, oldState, newState }, 'state handler failed');
    }
  }
}

import type { RunState } from './constants';
import { withChanges, type StateHandler, type StateChange, type TaskDefinition } from './define-task';

/** Adds a handler called on every state change, after the ones already there. */
export function onStateChange(handler: StateHandler) {
  return <Input, Output, Name extends string>(task: TaskDefinition<Input, Output, Name>): TaskDefinition<Input, Output, Name> =>
    withChanges(task, { stateHandlers: [...task.stateHandlers, handler] });
}

function onEntering(states: RunState[], fn: (change: StateChange, task: TaskDefinition) => void | Promise<void>) {
  return onStateChange((task, _old, next, change) => (states.includes(next) ? fn(change, task) : undefined));
}

/** Called when the run fails for good (failed or timed out). */
export const onFailure = (fn: (change: StateChange, task: TaskDefinition) => void | Promise<void>) =>
  onEntering(['failed', 'timed_out'], fn);
export const onSuccess = (fn: (change: StateChange, task: TaskDefinition) => void | Promise<void>) =>
  onEntering(['succeeded'], fn);
/** Called when an attempt failed and another one is scheduled. */
export const onRetry = (fn: (change: StateChange, task: TaskDefinition) => void | Promise<void>) =>
  onEntering(['retrying'], fn);

import { z } from 'zod';
import type { TaskDefinition, TaskRegistry } from '@herald/core';
import { MAX_CHORD_TASKS, submitOptionsSchema } from './requests';

/** reports.build -> ReportsBuild: a component name a generated client turns into a type name. */
const pascal = (name: string) =>
  name
    .split(/[._]/)
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join('');

/** A task whose schema takes `{}` may be submitted without input (the API passes `{}`). */
const acceptsEmptyInput = (task: TaskDefinition) => task.input.safeParse({}).success;

/** One call of a registered task: `task` names it, `input` is the task's own zod schema. */
function taskCall(task: TaskDefinition) {
  const input = task.input.meta({ id: `${pascal(task.name)}Input` });
  return z.object({
    task: z.literal(task.name),
    input: acceptsEmptyInput(task) ? input.optional() : input,
  });
}

/**
 * The request bodies that name a task, one variant per registered task (discriminated on `task`),
 * so a client sees what each task takes. The route parses the envelope first, then the task's
 * schema, which keeps the `unknown_task` and `invalid_input` errors precise.
 */
export function taskCallSchemas(registry: TaskRegistry) {
  const [first, ...rest] = registry.tasks.map(taskCall);
  if (!first) throw new Error('The task registry is empty');
  const call = z.discriminatedUnion('task', [first, ...rest]).meta({ id: 'TaskCall' });
  const withOptions = (variant: typeof first) => variant.extend({ options: submitOptionsSchema.optional() });
  const submit = z
    .discriminatedUnion('task', [withOptions(first), ...rest.map(withOptions)])
    .meta({ id: 'SubmitTask' });
  const chord = z
    .object({
      tasks: z.array(call).min(1).max(MAX_CHORD_TASKS),
      callback: call,
    })
    .meta({
      id: 'Chord',
      description:
        "`tasks` run in parallel and silently; `callback` runs once all have ended and learns each child's outcome",
    });
  return { call, submit, chord };
}

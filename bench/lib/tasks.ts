/** The tasks the benchmarks run: as small as a task can be, so the figures measure Herald. */
import { z } from 'zod';
import { defineTask, emailNotification, TaskRegistry } from '@herald/core';

export const noopTask = defineTask({
  name: 'bench.noop',
  input: z.object({ n: z.number().int() }),
  run: async () => null,
});

export const chordChild = defineTask({
  name: 'bench.chord_child',
  input: z.object({ n: z.number().int() }),
  run: async (input) => input.n,
});

export const chordCallback = defineTask({
  name: 'bench.chord_callback',
  input: z.object({ flow: z.number().int() }),
  run: async (_input, ctx) => (ctx.children ?? []).reduce((sum, child) => sum + Number(child.result ?? 0), 0),
});

/** Ends at once and mails its owner, like any task wrapped with emailNotification. */
export const notifiedTask = emailNotification({
  template: 'task-completion',
  subject: 'Task Complete: {{task_name}} - {{status}}',
})(
  defineTask({
    name: 'bench.notified',
    input: z.object({ n: z.number().int() }),
    run: async (input) => ({ message: `Run ${input.n} is done.` }),
  }),
);

export const benchRegistry = new TaskRegistry([noopTask, chordChild, chordCallback, notifiedTask] as const);

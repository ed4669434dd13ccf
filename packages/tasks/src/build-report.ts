import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { defineTask, emailNotification } from '@herald/core';

/**
 * An example of a user-facing task: it reports progress, honours cancellation through
 * ctx.signal, and mails its owner when it ends.
 */
export const buildReport = emailNotification({ template: 'task-completion' })(
  defineTask({
    name: 'reports.build',
    // The mail's headline and subject: "Report Q3 revenue succeeded".
    title: 'Report {{report_name}}',
    input: z.object({
      report_name: z.string().min(1).max(200),
      rows: z.number().int().min(1).max(1_000_000).default(1_000),
      stepMs: z.number().int().min(0).max(10_000).default(20),
    }),
    attempts: 2,
    timeoutMs: 10 * 60_000,
    run: async (input, ctx) => {
      const steps = 5;
      for (let step = 1; step <= steps; step++) {
        await sleep(input.stepMs, undefined, { signal: ctx.signal });
        await ctx.progress(Math.round((step / steps) * 100));
      }
      ctx.logger.info({ rows: input.rows }, 'report built');
      return { report_name: input.report_name, rows: input.rows };
    },
  }),
);

import { z } from 'zod';
import { channelNameSchema, CHANNEL_KINDS } from '@herald/channels';
import { MAX_TASK_ATTEMPTS, recipientProblem } from '@herald/core';
import { RunStatus } from '@herald/db';

/**
 * What the routes accept, as the zod schemas they parse with; the OpenAPI document is built from
 * the same objects. A task's `input` is checked by the task's own schema (see task-calls.ts).
 */

export const taskNameSchema = z.string({ message: 'expected the task name, a string' }).min(1).max(200);

export const submitOptionsSchema = z
  .object({
    delay: z
      .int()
      .min(0)
      .max(30 * 24 * 3_600_000)
      .optional()
      .meta({ description: 'Milliseconds to wait before the run may start' }),
    priority: z.int().min(1).max(2_097_152).optional().meta({ description: '1 is the highest' }),
    attempts: z
      .int()
      .min(1)
      .max(MAX_TASK_ATTEMPTS)
      .optional()
      .meta({ description: "Overrides the task's attempts" }),
  })
  .strict()
  .meta({ id: 'SubmitOptions' });

/** One recipient of `notify.to`: checked as a rule's `to` is (the route checks how many). */
const recipientSchema = z.string().superRefine((entry, ctx) => {
  const problem = recipientProblem(entry);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

export const notifySchema = z
  .object({
    to: z
      .array(recipientSchema)
      .min(1, 'expected at least one recipient')
      .meta({
        description:
          "E-mail recipients added to this run's e-mail notifications: addresses, or 'org-admins'. At most NOTIFY_MAX_RECIPIENTS.",
        example: ['oncall@example.com'],
      }),
  })
  .strict()
  .meta({ id: 'NotifyOptions' });

export const submitTaskSchema = z.object({
  task: taskNameSchema,
  input: z.unknown().optional(),
  options: submitOptionsSchema.optional(),
  notify: notifySchema.optional(),
});

export const taskCallSchema = z.object({ task: taskNameSchema, input: z.unknown().optional() });

export const MAX_CHORD_TASKS = 1_000;

export const chordSchema = z.object({
  tasks: z.array(taskCallSchema).min(1, 'a chord needs at least one task').max(MAX_CHORD_TASKS),
  callback: taskCallSchema,
});

export const listRunsQuerySchema = z.object({
  status: z.enum(Object.values(RunStatus) as [RunStatus, ...RunStatus[]]).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(500).optional().meta({ description: 'The `nextCursor` of the previous page' }),
});

export const runIdParamsSchema = z.object({
  id: z.string().min(1).max(100).meta({ description: 'A run id' }),
});

export const testEmailSchema = z.object({ message: z.string().max(2_000).optional() });

export const preferencesUpdateSchema = z
  .object({
    email: z
      .object({
        enabled: z.boolean().optional(),
        mutedTasks: z.array(z.string().min(1).max(200)).max(200).optional(),
        delivery: z.enum(['immediate', 'digest']).optional(),
        digestWindowMinutes: z
          .int()
          .min(1)
          .max(7 * 24 * 60)
          .optional(),
      })
      .strict(),
  })
  .strict();

export const scheduleSchema = z
  .object({
    name: z.string().min(1).max(100),
    task: taskNameSchema,
    input: z.unknown().optional().meta({ description: "The task's input, as for POST /api/tasks" }),
    cron: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .meta({ description: '5- or 6-field cron, or AWS syntax; give cron or everyMs' }),
    everyMs: z.int().optional().meta({ description: 'A fixed rate, at least 1000' }),
    timezone: z
      .string()
      .min(1)
      .max(100)
      .optional()
      .meta({ description: 'An IANA zone for cron, e.g. Europe/Paris' }),
    cronSyntax: z.enum(['aws', 'unix']).optional().meta({
      description: "'aws' reads cron as AWS/Flyte write it (minute first, ?, a year); detected when unset",
    }),
    kickoffTimeInput: z
      .string()
      .min(1)
      .max(100)
      .optional()
      .meta({ description: "An input key that receives each run's planned fire time (ISO 8601)" }),
    notify: notifySchema.optional(),
  })
  .strict();

export const scheduleNameParamsSchema = z.object({ name: z.string().min(1).max(100) });

export const channelKindParamsSchema = z.object({ kind: z.enum(CHANNEL_KINDS as [string, ...string[]]) });

export const channelNameParamsSchema = z.object({
  name: channelNameSchema.meta({
    description: "The channel's name, as rules write it after the kind: slack:alerts",
  }),
});

export const namedChannelParamsSchema = channelKindParamsSchema.extend(channelNameParamsSchema.shape);

export const templateParamsSchema = z.object({ name: z.string().min(1).max(100) });

export const previewQuerySchema = z.object({ format: z.enum(['html', 'text']).default('html') });

import { z } from 'zod';
import { RunStatus } from '@herald/db';

/**
 * What the API answers, as zod schemas: the one place a response's shape is written down. The
 * OpenAPI document is generated from them and the API tests validate every response against it,
 * so a field added to a view and not here (or here and not in the view) fails the tests.
 */

const timestamp = z.string().meta({ format: 'date-time', description: 'ISO 8601, UTC' });

export const runStatusSchema = z.enum(Object.values(RunStatus) as [RunStatus, ...RunStatus[]]).meta({
  id: 'RunStatus',
  description: 'queued, running and retrying are live; succeeded, failed, timed_out and cancelled are final',
});

export const deliverySchema = z
  .object({
    id: z.string(),
    channel: z.string().meta({
      description:
        'email, or a channel kind (slack, pagerduty, teams, webhook), with its name for a named one: slack:alerts',
    }),
    template: z.string(),
    phase: z.string().meta({ description: 'The run phase the notification is about, e.g. succeeded' }),
    status: z.enum(['pending', 'sent', 'skipped', 'failed']),
    reason: z.string().nullable(),
    attempts: z.int(),
    address: z.string().nullable().meta({ description: 'Masked: a***@example.com' }),
    sentAt: timestamp.nullable(),
    createdAt: timestamp,
  })
  .meta({
    id: 'Delivery',
    description: "One notification of a run, to its owner or the organization's channel",
  });

export const attemptSchema = z
  .object({
    attempt: z.int(),
    startedAt: timestamp,
    endedAt: timestamp.optional().meta({ description: 'Absent while the attempt runs' }),
    outcome: runStatusSchema.optional().meta({ description: 'retrying when another attempt follows' }),
    error: z.string().optional().meta({ description: "The first line of the error's message" }),
    nextAttemptAt: timestamp
      .optional()
      .meta({ description: 'When the next attempt is due, after a retrying one' }),
  })
  .meta({ id: 'Attempt', description: 'One attempt of a run, as the ledger recorded it' });

export const runSchema = z
  .object({
    id: z.string(),
    task: z.string(),
    title: z.string().nullable().meta({
      description: "The task's title filled from this run's input and result; null when it has none",
    }),
    status: runStatusSchema,
    progress: z
      .unknown()
      .meta({ description: 'What the task last reported: a number (0-100) or an object; null before' }),
    attempts: z.int(),
    maxAttempts: z.int(),
    input: z.unknown().meta({ description: "The input after the task's schema applied its defaults" }),
    result: z.unknown().meta({ description: 'What the task returned; null until it succeeded' }),
    error: z.unknown().meta({ description: 'Why the run failed; null otherwise' }),
    parentId: z.string().nullable().meta({ description: "The chord callback's run id, for a chord child" }),
    scheduleName: z.string().nullable(),
    createdAt: timestamp,
    startedAt: timestamp.nullable(),
    finishedAt: timestamp.nullable(),
    attemptLog: z.array(attemptSchema).optional().meta({
      description: 'Every attempt with its times, the last 25; absent before the first starts',
    }),
  })
  .meta({ id: 'Run' });

export const runDetailSchema = runSchema
  .extend({ notifications: z.array(deliverySchema) })
  .meta({ id: 'RunDetail' });

export const runPageSchema = z
  .object({
    data: z.array(runSchema),
    nextCursor: z
      .string()
      .nullable()
      .meta({ description: 'Pass as `cursor` for the next page; null on the last page' }),
  })
  .meta({ id: 'RunPage' });

export const acceptedRunSchema = z
  .object({ id: z.string(), task: z.string(), status: z.literal('queued') })
  .meta({ id: 'AcceptedRun' });

export const acceptedChordSchema = z
  .object({
    id: z.string().meta({ description: "The callback's run id: it ends after all children" }),
    children: z.array(z.string()).meta({ description: "The children's run ids, in submission order" }),
  })
  .meta({ id: 'AcceptedChord' });

export const cancelSchema = z.object({ id: z.string(), status: z.enum(['cancelled', 'cancelling']) }).meta({
  id: 'CancelOutcome',
  description: 'cancelled at once when queued; cancelling while its AbortSignal fires',
});

export const templateSchema = z
  .object({
    name: z.string(),
    description: z.string(),
    variables: z.array(z.object({ name: z.string(), description: z.string() })),
  })
  .meta({ id: 'Template' });

export const preferencesSchema = z
  .object({
    email: z.object({
      enabled: z.boolean(),
      mutedTasks: z.array(z.string()),
      delivery: z.enum(['immediate', 'digest']),
      digestWindowMinutes: z.int(),
    }),
  })
  .meta({ id: 'NotificationPreferences' });

export const scheduleViewSchema = z
  .object({
    name: z.string(),
    task: z.string(),
    input: z.unknown(),
    cron: z.string().nullable(),
    everyMs: z.int().nullable(),
    timezone: z.string().nullable(),
    kickoffTimeInput: z
      .string()
      .nullable()
      .meta({ description: "The input key that receives each run's planned fire time" }),
    paused: z.boolean().meta({ description: 'A paused schedule makes no runs until it is resumed' }),
    notifyTo: z
      .array(z.string())
      .meta({ description: "Extra e-mail recipients of each run (`notify.to`); empty: the task's own" }),
    nextRunAt: timestamp.nullable().meta({ description: 'When the next run is planned; null when none is' }),
    nextRuns: z.array(timestamp).meta({
      description: 'The next planned fire times (up to 3), in order; empty while paused',
    }),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: 'Schedule' });

const channelName = z.string().meta({ description: "'' for the organization's default channel of its kind" });
const webhookHost = z
  .string()
  .nullable()
  .meta({ description: "The URL's host only: its path and query may hold a token" });

export const channelViewSchema = z
  .discriminatedUnion('kind', [
    z.object({ kind: z.literal('slack'), name: channelName, configured: z.literal(true), webhookHost }),
    z.object({
      kind: z.literal('pagerduty'),
      name: channelName,
      configured: z.literal(true),
      routingKeyEnding: z.string(),
    }),
    z.object({ kind: z.literal('teams'), name: channelName, configured: z.literal(true), webhookHost }),
    z.object({
      kind: z.literal('webhook'),
      name: channelName,
      configured: z.literal(true),
      webhookHost,
      secret: z.string().optional().meta({
        description:
          'The signing secret Herald generated: only in the answer to the PUT that created it, never again',
      }),
    }),
  ])
  .meta({ id: 'Channel', description: 'A connected channel; its secrets are never returned' });

export const listOf = <T extends z.ZodType>(item: T) => z.object({ data: z.array(item) });

export const unsubscribedSchema = z.object({ unsubscribed: z.literal(true) });

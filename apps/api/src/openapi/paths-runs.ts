import { z } from 'zod';
import type { ZodOpenApiPathsObject } from 'zod-openapi';
import { bodyErrors, commonErrors, errors } from './errors';
import { listRunsQuerySchema, runIdParamsSchema, testEmailSchema } from './requests';
import {
  acceptedChordSchema,
  acceptedRunSchema,
  cancelSchema,
  runDetailSchema,
  runPageSchema,
} from './responses';
import type { taskCallSchemas } from './task-calls';

const json = (schema: z.ZodType) => ({ content: { 'application/json': { schema } } });
const location = z.object({ Location: z.string().meta({ description: "The run's URL: /api/tasks/{id}" }) });

/** Submitting, chording, following and cancelling runs. */
export function runPaths(calls: ReturnType<typeof taskCallSchemas>): ZodOpenApiPathsObject {
  return {
    '/api/tasks': {
      post: {
        operationId: 'submitTask',
        tags: ['runs'],
        summary: 'Submit a task',
        description: "The input is validated against the task's schema; the run starts queued.",
        requestBody: { required: true, ...json(calls.submit) },
        responses: {
          '202': { description: 'Queued', headers: location, ...json(acceptedRunSchema) },
          '400': errors.badRequest('invalid_request', 'invalid_json', 'unknown_task', 'invalid_input'),
          ...bodyErrors,
          ...commonErrors,
        },
      },
      get: {
        operationId: 'listRuns',
        tags: ['runs'],
        summary: "The organization's runs, newest first",
        description: 'Pages of at most `limit` runs; follow `nextCursor` until it is null.',
        requestParams: { query: listRunsQuerySchema },
        responses: {
          '200': { description: 'A page of runs', ...json(runPageSchema) },
          '400': errors.badRequest('invalid_request'),
          ...commonErrors,
        },
      },
    },
    '/api/tasks/{id}': {
      get: {
        operationId: 'getRun',
        tags: ['runs'],
        summary: 'A run with its notifications',
        requestParams: { path: runIdParamsSchema },
        responses: {
          '200': { description: 'The run', ...json(runDetailSchema) },
          '400': errors.badRequest('invalid_request'),
          '404': errors.notFound,
          ...commonErrors,
        },
      },
    },
    '/api/tasks/{id}/cancel': {
      post: {
        operationId: 'cancelRun',
        tags: ['runs'],
        summary: 'Cancel a run',
        description: 'A queued run is cancelled at once; a running one through its AbortSignal.',
        requestParams: { path: runIdParamsSchema },
        responses: {
          '202': { description: 'Cancelled or cancelling', ...json(cancelSchema) },
          '400': errors.badRequest('invalid_request'),
          '404': errors.notFound,
          '409': errors.conflict,
          ...commonErrors,
        },
      },
    },
    '/api/flows': {
      post: {
        operationId: 'submitChord',
        tags: ['runs'],
        summary: 'Submit a chord',
        description:
          'Errors name the element at fault: `tasks[3].input.testId`, `tasks[0].task`, `callback.input`. At most 1000 tasks.',
        requestBody: { required: true, ...json(calls.chord) },
        responses: {
          '202': {
            description: 'Queued; `id` is the callback run',
            headers: location,
            ...json(acceptedChordSchema),
          },
          '400': errors.badRequest('invalid_request', 'invalid_json', 'unknown_task', 'invalid_input'),
          ...bodyErrors,
          ...commonErrors,
        },
      },
    },
    '/api/tasks/email-notification-test': {
      post: {
        operationId: 'sendTestEmail',
        tags: ['runs'],
        summary: 'Mail the caller a test notification',
        description:
          'Runs `email_notification_test` for the caller; its mail goes to the caller only. Rate-limited per user.',
        requestBody: { required: false, ...json(testEmailSchema) },
        responses: {
          '202': { description: 'Queued', headers: location, ...json(acceptedRunSchema) },
          '400': errors.badRequest('invalid_request', 'invalid_json'),
          '429': errors.rateLimited,
          ...bodyErrors,
          ...commonErrors,
        },
      },
    },
  };
}

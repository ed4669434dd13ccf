import { z } from 'zod';
import type { ZodOpenApiPathsObject } from 'zod-openapi';
import { bodyErrors, commonErrors, errors, type ErrorCode } from './errors';
import {
  preferencesUpdateSchema,
  previewQuerySchema,
  scheduleNameParamsSchema,
  scheduleSchema,
  templateParamsSchema,
} from './requests';
import { listOf, preferencesSchema, scheduleViewSchema, templateSchema } from './responses';

const json = (schema: z.ZodType) => ({ content: { 'application/json': { schema } } });
const noContent = { description: 'Done; no body' };

/** Pause or resume: no body, the schedule's view back, 404 for a name the organization lacks. */
const scheduleSwitch = (operationId: string, summary: string, ...badRequests: ErrorCode[]) => ({
  operationId,
  tags: ['schedules'],
  summary,
  requestParams: { path: scheduleNameParamsSchema },
  responses: {
    '200': { description: 'The schedule now', ...json(scheduleViewSchema) },
    '400': errors.badRequest('invalid_request', ...badRequests),
    '404': errors.notFound,
    ...commonErrors,
  },
});

/** Templates, preferences and schedules: what an organization sets up (channels: paths-channels.ts). */
export function settingsPaths(): ZodOpenApiPathsObject {
  return {
    '/api/templates': {
      get: {
        operationId: 'listTemplates',
        tags: ['templates'],
        summary: 'Template names and the variables they read',
        responses: {
          '200': { description: 'The templates', ...json(listOf(templateSchema)) },
          ...commonErrors,
        },
      },
    },
    '/api/templates/{name}/preview': {
      get: {
        operationId: 'previewTemplate',
        tags: ['templates'],
        summary: "A template filled with sample data, in the organization's branding",
        requestParams: { path: templateParamsSchema, query: previewQuerySchema },
        responses: {
          '200': {
            description: 'The rendered mail',
            content: { 'text/html': { schema: z.string() }, 'text/plain': { schema: z.string() } },
          },
          '400': errors.badRequest('invalid_request'),
          '404': errors.notFound,
          ...commonErrors,
        },
      },
    },
    '/api/me/notification-preferences': {
      get: {
        operationId: 'getPreferences',
        tags: ['preferences'],
        summary: "The caller's notification preferences",
        responses: { '200': { description: 'The preferences', ...json(preferencesSchema) }, ...commonErrors },
      },
      put: {
        operationId: 'updatePreferences',
        tags: ['preferences'],
        summary: 'Change some of the preferences; the rest stay',
        requestBody: { required: true, ...json(preferencesUpdateSchema) },
        responses: {
          '200': { description: 'The preferences now', ...json(preferencesSchema) },
          '400': errors.badRequest('invalid_request', 'invalid_json'),
          ...bodyErrors,
          ...commonErrors,
        },
      },
    },
    '/api/schedules': {
      post: {
        operationId: 'upsertSchedule',
        tags: ['schedules'],
        summary: 'Create or replace a schedule; its runs belong to the caller',
        requestBody: { required: true, ...json(scheduleSchema) },
        responses: {
          '201': {
            description: 'The schedule',
            headers: z.object({ Location: z.string() }),
            ...json(scheduleViewSchema),
          },
          '400': errors.badRequest(
            'invalid_request',
            'invalid_json',
            'unknown_task',
            'invalid_input',
            'invalid_schedule',
          ),
          '403': errors.forbidden,
          ...bodyErrors,
          ...commonErrors,
        },
      },
      get: {
        operationId: 'listSchedules',
        tags: ['schedules'],
        summary: "The organization's schedules",
        responses: {
          '200': { description: 'The schedules', ...json(listOf(scheduleViewSchema)) },
          ...commonErrors,
        },
      },
    },
    '/api/schedules/{name}': {
      delete: {
        operationId: 'deleteSchedule',
        tags: ['schedules'],
        summary: 'Remove a schedule',
        requestParams: { path: scheduleNameParamsSchema },
        responses: {
          '204': noContent,
          '400': errors.badRequest('invalid_request'),
          '404': errors.notFound,
          ...commonErrors,
        },
      },
    },
    '/api/schedules/{name}/pause': {
      post: scheduleSwitch(
        'pauseSchedule',
        'Pause a schedule: it keeps its definition and makes no runs until resumed; pausing again changes nothing',
      ),
    },
    '/api/schedules/{name}/resume': {
      post: scheduleSwitch(
        'resumeSchedule',
        'Resume a paused schedule: it fires again at its next planned time (a fixed rate one interval from now); runs missed while paused are not made up',
        'unknown_task',
      ),
    },
  };
}

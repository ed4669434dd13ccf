import { z } from 'zod';
import type { ZodOpenApiPathsObject } from 'zod-openapi';
import { channelConfigSchemas } from '@herald/channels';
import { bodyErrors, commonErrors, errors } from './errors';
import {
  channelKindParamsSchema,
  preferencesUpdateSchema,
  previewQuerySchema,
  scheduleNameParamsSchema,
  scheduleSchema,
  templateParamsSchema,
} from './requests';
import {
  channelViewSchema,
  listOf,
  preferencesSchema,
  scheduleViewSchema,
  templateSchema,
} from './responses';

const json = (schema: z.ZodType) => ({ content: { 'application/json': { schema } } });
const noContent = { description: 'Done; no body' };

/** Templates, preferences, schedules and channels: what an organization sets up. */
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
    '/api/channels': {
      get: {
        operationId: 'listChannels',
        tags: ['channels'],
        summary: "The organization's connected channels",
        responses: {
          '200': { description: 'The channels', ...json(listOf(channelViewSchema)) },
          ...commonErrors,
        },
      },
    },
    '/api/channels/{kind}': {
      put: {
        operationId: 'connectChannel',
        tags: ['channels'],
        summary: 'Connect Slack (`{webhookUrl}`) or PagerDuty (`{routingKey, eventsUrl?}`)',
        requestParams: { path: channelKindParamsSchema },
        requestBody: {
          required: true,
          ...json(z.union([channelConfigSchemas.slack, channelConfigSchemas.pagerduty])),
        },
        responses: {
          '200': { description: 'The channel, without its secrets', ...json(channelViewSchema) },
          '400': errors.badRequest('invalid_request', 'invalid_json'),
          '404': errors.notFound,
          ...bodyErrors,
          ...commonErrors,
        },
      },
      delete: {
        operationId: 'disconnectChannel',
        tags: ['channels'],
        summary: 'Disconnect a channel',
        requestParams: { path: channelKindParamsSchema },
        responses: { '204': noContent, '404': errors.notFound, ...commonErrors },
      },
    },
  };
}

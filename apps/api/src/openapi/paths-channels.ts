import { z } from 'zod';
import type {
  ZodOpenApiOperationObject,
  ZodOpenApiPathsObject,
  ZodOpenApiResponsesObject,
} from 'zod-openapi';
import { channelConfigSchemas } from '@herald/channels';
import { bodyErrors, commonErrors, errors } from './errors';
import { channelKindParamsSchema, namedChannelParamsSchema } from './requests';
import { channelViewSchema, listOf } from './responses';

const json = (schema: z.ZodType) => ({ content: { 'application/json': { schema } } });

const CONFIGS =
  'Slack and Teams `{webhookUrl}`, PagerDuty `{routingKey, eventsUrl?}`, webhook `{webhookUrl, secret?}`';

/** GET, PUT and DELETE of one channel: the default one of a kind, or a named one. */
function channelOperations(
  which: 'default' | 'named',
  path: z.ZodObject,
): Record<'get' | 'put' | 'delete', ZodOpenApiOperationObject> {
  const suffix = which === 'named' ? 'Named' : '';
  const what = which === 'named' ? 'a named channel (rules write `kind:name`)' : "the kind's default channel";
  const badPath: ZodOpenApiResponsesObject =
    which === 'named' ? { '400': errors.badRequest('invalid_request') } : {};
  return {
    get: {
      operationId: `getChannel${suffix}`,
      tags: ['channels'],
      summary: `Show ${what}, without its secrets`,
      requestParams: { path },
      responses: {
        '200': { description: 'The channel', ...json(channelViewSchema) },
        ...badPath,
        '404': errors.notFound,
        ...commonErrors,
      },
    },
    put: {
      operationId: `connectChannel${suffix}`,
      tags: ['channels'],
      summary: `Connect or replace ${what}: ${CONFIGS}. A webhook without \`secret\` keeps the one it has, or gets a generated one, returned in this answer only`,
      requestParams: { path },
      requestBody: {
        required: true,
        ...json(
          z.union([
            channelConfigSchemas.slack,
            channelConfigSchemas.pagerduty,
            channelConfigSchemas.teams,
            channelConfigSchemas.webhook,
          ]),
        ),
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
      operationId: `disconnectChannel${suffix}`,
      tags: ['channels'],
      summary: `Disconnect ${what}`,
      requestParams: { path },
      responses: {
        '204': { description: 'Done; no body' },
        ...badPath,
        '404': errors.notFound,
        ...commonErrors,
      },
    },
  };
}

/** The organization's notification channels: Slack, PagerDuty, Microsoft Teams and signed webhooks. */
export function channelPaths(): ZodOpenApiPathsObject {
  return {
    '/api/channels': {
      get: {
        operationId: 'listChannels',
        tags: ['channels'],
        summary: "The organization's connected channels, defaults and named ones",
        responses: {
          '200': { description: 'The channels', ...json(listOf(channelViewSchema)) },
          ...commonErrors,
        },
      },
    },
    '/api/channels/{kind}': channelOperations('default', channelKindParamsSchema),
    '/api/channels/{kind}/{name}': channelOperations('named', namedChannelParamsSchema),
  };
}

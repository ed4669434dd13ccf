import { createDocument, type ZodOpenApiObject } from 'zod-openapi';
import type { TaskRegistry } from '@herald/core';
import { runPaths } from './paths-runs';
import { channelPaths } from './paths-channels';
import { settingsPaths } from './paths-settings';
import { taskCallSchemas } from './task-calls';

export const OPENAPI_PATH = '/api/openapi.json';
export const DOCS_PATH = '/docs';

const DESCRIPTION = `Herald runs background tasks and tells people when their work is done.

Every \`/api/*\` route but this document needs \`Authorization: Bearer <token>\`; the caller's
organization and user come from the token. Errors are \`{"error": {"code", "message", "details"}}\`:
\`code\` is stable, \`details\` names each element at fault. Lists page with \`nextCursor\`.`;

/** Herald's REST API as an OpenAPI 3.1 document, built from the zod schemas the routes parse with. */
export function createOpenApiDocument(
  registry: TaskRegistry,
  version = '0.1.0',
): ReturnType<typeof createDocument> {
  const calls = taskCallSchemas(registry);
  const document: ZodOpenApiObject = {
    openapi: '3.1.0',
    info: { title: 'Herald API', version, description: DESCRIPTION },
    servers: [{ url: '/', description: 'This server' }],
    security: [{ bearer: [] }],
    tags: [
      { name: 'runs', description: 'Submit tasks and chords, follow and cancel runs' },
      { name: 'templates', description: 'Mail templates' },
      { name: 'preferences', description: "The caller's notification preferences" },
      { name: 'schedules', description: 'Recurring runs' },
      { name: 'channels', description: 'Slack, PagerDuty, Microsoft Teams and signed webhooks' },
    ],
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'An API token from `herald token create`' },
      },
    },
    paths: { ...runPaths(calls), ...settingsPaths(), ...channelPaths() },
  };
  return createDocument(document);
}

/** The document as committed in docs/openapi.json: two-space JSON and a final newline. */
export function serializeOpenApiDocument(registry: TaskRegistry): string {
  return `${JSON.stringify(createOpenApiDocument(registry), null, 2)}\n`;
}

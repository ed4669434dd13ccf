import { z } from 'zod';
import type { ZodOpenApiResponseObject } from 'zod-openapi';

/** Every `error.code` the API answers with, and what it means. */
export const ERROR_CODES = {
  invalid_request: 'The body, query or a path parameter does not match the schema; details name each element',
  invalid_json: 'The body is not valid JSON',
  invalid_input:
    "The input does not match the task's schema; details name each field (input.x, tasks[3].input.x)",
  unknown_task: 'No task of that name is registered; details name the element (task, tasks[3].task)',
  invalid_schedule: 'The cron expression, interval or time zone is not valid',
  unauthorized: 'No valid API token (missing, invalid, expired or revoked)',
  forbidden:
    "The caller's role does not allow this (e.g. adding recipients to another user's schedule takes an admin)",
  not_found: 'No such resource in the caller’s organization, or no such route',
  already_finished: 'The run has already ended',
  payload_too_large: 'The body is larger than 256 kB',
  unsupported_encoding: 'The body’s content encoding or charset is not supported',
  rate_limited: 'Too many requests; wait for Retry-After seconds',
  internal_error: 'Something went wrong on the server; nothing about it is revealed',
  dependency_unavailable: 'Redis or PostgreSQL is unreachable; retry after Retry-After seconds',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export const errorDetailSchema = z
  .object({
    field: z.string().meta({
      description:
        'The element at fault: a body path (`options.attempts`, `tasks[3].input.testId`) or a parameter name',
    }),
    message: z.string(),
    in: z
      .enum(['path', 'query'])
      .optional()
      .meta({ description: 'Set when the element is a path or query parameter' }),
  })
  .meta({ id: 'ErrorDetail' });

export const errorBodySchema = z
  .object({
    error: z.object({
      code: z.enum(Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]]),
      message: z.string(),
      details: z.array(errorDetailSchema).optional(),
    }),
  })
  .meta({
    id: 'Error',
    description: 'Every error: a stable code, a human message and, for bad input, the elements at fault',
  });

const retryAfter = z.string().regex(/^\d+$/).meta({ description: 'Seconds to wait before trying again' });

/** An error response whose description lists the codes it can carry. */
function errorResponse(summary: string, codes: ErrorCode[], headers?: z.ZodObject): ZodOpenApiResponseObject {
  const list = codes.map((code) => `- \`${code}\`: ${ERROR_CODES[code]}`).join('\n');
  return {
    description: `${summary}\n\n${list}`,
    ...(headers ? { headers } : {}),
    content: { 'application/json': { schema: errorBodySchema } },
  };
}

export const errors = {
  badRequest: (...codes: ErrorCode[]) =>
    errorResponse('Bad request', codes.length ? codes : ['invalid_request']),
  unauthorized: errorResponse(
    'No valid API token',
    ['unauthorized'],
    z.object({ 'WWW-Authenticate': z.literal('Bearer') }),
  ),
  notFound: errorResponse('Not found', ['not_found']),
  forbidden: errorResponse('Forbidden', ['forbidden']),
  conflict: errorResponse('Conflict', ['already_finished']),
  tooLarge: errorResponse('Body too large', ['payload_too_large']),
  unsupported: errorResponse('Unsupported encoding', ['unsupported_encoding']),
  rateLimited: errorResponse('Rate limited', ['rate_limited'], z.object({ 'Retry-After': retryAfter })),
  internal: errorResponse('Server error', ['internal_error']),
  unavailable: errorResponse(
    'A dependency is unavailable',
    ['dependency_unavailable'],
    z.object({ 'Retry-After': retryAfter }),
  ),
};

/** What any authenticated route may answer besides its own responses. */
export const commonErrors = { '401': errors.unauthorized, '500': errors.internal, '503': errors.unavailable };
/** What a route with a JSON body may also answer. */
export const bodyErrors = { '413': errors.tooLarge, '415': errors.unsupported };

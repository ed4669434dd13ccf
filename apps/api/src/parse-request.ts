import type { z } from 'zod';
import { formatIssuePath } from '@herald/core';
import { AppError } from './app-error';

/**
 * Parses a request's path parameters or query string: each detail names the parameter and says
 * where it is, so a bad path id is reported as the `id` path parameter, never as the body.
 */
export function parseRequestPart<T extends z.ZodType>(
  schema: T,
  value: unknown,
  where: 'path' | 'query',
): z.output<T> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const details = parsed.error.issues.map((issue) => ({
    field: formatIssuePath(issue.path) || `(${where})`,
    message: issue.message,
    in: where,
  }));
  const what = where === 'path' ? 'A path parameter' : 'The query string';
  throw new AppError(400, 'invalid_request', `${what} is invalid`, details);
}

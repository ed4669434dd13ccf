import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import { ScheduleError, TaskInputError, UnknownTaskError, isTransientDatabaseError } from '@herald/core';
import { AppError } from './app-error';

function isRedisUnavailable(error: unknown): boolean {
  const message = (error as Error | null)?.message ?? '';
  return /Connection is closed|ECONNREFUSED|Stream isn't writeable|enableOfflineQueue|max retries per request|Reached the max retries/i.test(
    message,
  );
}

/** Maps what handlers throw to an AppError; anything unknown is a 500 that reveals nothing. */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  const err = error as { type?: string; status?: number } | null;
  if (err?.type === 'entity.parse.failed') return new AppError(400, 'invalid_json', 'The request body is not valid JSON');
  if (err?.type === 'entity.too.large') return new AppError(413, 'payload_too_large', 'The request body is too large');
  if (err?.type === 'encoding.unsupported' || err?.type === 'charset.unsupported') {
    return new AppError(415, 'unsupported_encoding', 'Unsupported request encoding');
  }
  if (error instanceof TaskInputError) {
    const details = error.issues.map((issue) => ({ field: `input.${issue.path}`.replace(/\.\(input\)$/, ''), message: issue.message }));
    return new AppError(400, 'invalid_input', `Input does not match task ${error.task}`, details);
  }
  if (error instanceof ScheduleError) {
    return new AppError(400, 'invalid_schedule', error.message, [{ field: error.field, message: error.message.slice(error.field.length + 2) }]);
  }
  if (error instanceof UnknownTaskError) {
    return new AppError(400, 'unknown_task', error.message, [{ field: 'task', message: error.message }]);
  }
  if (error instanceof z.ZodError) {
    const details = error.issues.map((issue) => ({ field: issue.path.map(String).join('.') || '(body)', message: issue.message }));
    return new AppError(400, 'invalid_request', 'The request is invalid', details);
  }
  if (isTransientDatabaseError(error) || isRedisUnavailable(error)) {
    return new AppError(503, 'dependency_unavailable', 'A dependency is unavailable; try again shortly', undefined, {
      'retry-after': '5',
    });
  }
  return new AppError(500, 'internal_error', 'Something went wrong on our side');
}

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    const appError = toAppError(error);
    if (appError.status >= 500) logger.error({ err: error, method: req.method, path: req.path }, 'request failed');
    res.status(appError.status).set(appError.headers);
    res.json({
      error: { code: appError.code, message: appError.message, ...(appError.details ? { details: appError.details } : {}) },
    });
  };
}

export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new AppError(404, 'not_found', `No route for ${req.method} ${req.path}`));
};

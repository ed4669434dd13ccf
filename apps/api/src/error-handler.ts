import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import {
  ScheduleError,
  TaskInputError,
  UnknownTaskError,
  formatIssuePath,
  isRedisUnavailableError,
  isTransientDatabaseError,
  joinPath,
} from '@herald/core';
import { AppError } from './app-error';

/** Prisma's codes for an unreachable database: can't reach, timed out, operation timed out, connection closed, pool timeout. */
const PRISMA_UNAVAILABLE_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024']);
/** The driver adapter's kinds for the same, which Prisma also reports under other codes (a raw query: P2010). */
const ADAPTER_UNAVAILABLE_KINDS = new Set([
  'DatabaseNotReachable',
  'ConnectionClosed',
  'SocketTimeout',
  'TooManyConnections',
]);

/** Prisma errors carry pg's failure in meta.driverAdapterError, not in code or cause. */
function isDatabaseUnavailable(error: unknown): boolean {
  const err = error as {
    code?: unknown;
    meta?: { driverAdapterError?: { cause?: { kind?: string; originalCode?: string } } };
  } | null;
  if (typeof err?.code === 'string' && PRISMA_UNAVAILABLE_CODES.has(err.code)) return true;
  const cause = err?.meta?.driverAdapterError?.cause;
  if (cause?.kind && ADAPTER_UNAVAILABLE_KINDS.has(cause.kind)) return true;
  if (cause?.originalCode && isTransientDatabaseError({ code: cause.originalCode })) return true;
  return isTransientDatabaseError(error);
}

/**
 * PostgreSQL's data exceptions (SQLSTATE class 22: a NUL character in text, a date out of range):
 * the request carried a value the database cannot store or compare. Raw pg puts the SQLSTATE in
 * `code`; Prisma in meta.driverAdapterError.
 */
function isDataException(error: unknown): boolean {
  const err = error as {
    code?: unknown;
    meta?: { driverAdapterError?: { cause?: { originalCode?: unknown } } };
  } | null;
  return [err?.code, err?.meta?.driverAdapterError?.cause?.originalCode].some(
    (code) => typeof code === 'string' && /^22[0-9A-Z]{3}$/.test(code),
  );
}

/** Client errors raised by body-parser, the router and http-errors (a malformed %-escape, a corrupt gzip body, too many form fields). */
function clientErrorStatus(error: unknown): number | null {
  const err = error as { status?: unknown; statusCode?: unknown } | null;
  const status = err?.status ?? err?.statusCode;
  return typeof status === 'number' && status >= 400 && status < 500 ? status : null;
}

/** Maps what handlers throw to an AppError; anything unknown is a 500 that reveals nothing. */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  const err = error as { type?: string; status?: number } | null;
  if (err?.type === 'entity.parse.failed')
    return new AppError(400, 'invalid_json', 'The request body is not valid JSON');
  if (err?.type === 'entity.too.large')
    return new AppError(413, 'payload_too_large', 'The request body is too large');
  if (err?.type === 'encoding.unsupported' || err?.type === 'charset.unsupported') {
    return new AppError(415, 'unsupported_encoding', 'Unsupported request encoding');
  }
  if (error instanceof TaskInputError) {
    const input = joinPath(error.element, 'input');
    const details = error.issues.map((issue) => ({
      field: issue.path === '(input)' ? input : joinPath(input, issue.path),
      message: issue.message,
    }));
    return new AppError(400, 'invalid_input', `Input does not match task ${error.task}`, details);
  }
  if (error instanceof ScheduleError) {
    return new AppError(400, 'invalid_schedule', error.message, [
      { field: error.field, message: error.message.slice(error.field.length + 2) },
    ]);
  }
  if (error instanceof UnknownTaskError) {
    return new AppError(400, 'unknown_task', error.message, [
      { field: joinPath(error.element, 'task'), message: error.message },
    ]);
  }
  if (error instanceof z.ZodError) {
    const details = error.issues.map((issue) => ({
      field: formatIssuePath(issue.path) || '(body)',
      message: issue.message,
    }));
    return new AppError(400, 'invalid_request', 'The request is invalid', details);
  }
  if (isDataException(error)) {
    return new AppError(
      400,
      'invalid_request',
      'The request holds a value that cannot be stored, such as a NUL character or a date out of range',
    );
  }
  // Their messages may quote the request (a decoded path segment): the status is kept, the text is ours.
  const clientStatus = clientErrorStatus(error);
  if (clientStatus === 413)
    return new AppError(413, 'payload_too_large', 'The request body is too large or has too many fields');
  if (clientStatus === 415) return new AppError(415, 'unsupported_encoding', 'Unsupported request encoding');
  if (clientStatus !== null)
    return new AppError(
      clientStatus,
      clientStatus === 404 ? 'not_found' : 'invalid_request',
      'The request could not be read',
    );
  if (isDatabaseUnavailable(error) || isRedisUnavailableError(error)) {
    return new AppError(
      503,
      'dependency_unavailable',
      'A dependency is unavailable; try again shortly',
      undefined,
      {
        'retry-after': '5',
      },
    );
  }
  return new AppError(500, 'internal_error', 'Something went wrong on our side');
}

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    const appError = toAppError(error);
    if (appError.status >= 500)
      logger.error({ err: error, method: req.method, path: req.path }, 'request failed');
    res.status(appError.status).set(appError.headers);
    res.json({
      error: {
        code: appError.code,
        message: appError.message,
        ...(appError.details ? { details: appError.details } : {}),
      },
    });
  };
}

export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new AppError(404, 'not_found', `No route for ${req.method} ${req.path}`));
};

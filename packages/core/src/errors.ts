import type { z } from 'zod';

export interface InputIssue {
  path: string;
  message: string;
}

export function describeIssues(error: z.ZodError): InputIssue[] {
  return error.issues.map((issue) => ({
    path: issue.path.length ? issue.path.map(String).join('.') : '(input)',
    message: issue.message,
  }));
}

/** The input does not satisfy the task's schema. */
export class TaskInputError extends Error {
  override name = 'TaskInputError';
  constructor(
    readonly task: string,
    readonly issues: InputIssue[],
  ) {
    super(`Invalid input for ${task}: ${issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ')}`);
  }
}

export class UnknownTaskError extends Error {
  override name = 'UnknownTaskError';
  constructor(readonly task: string) {
    super(`Unknown task "${task}"`);
  }
}

export class RunTimeoutError extends Error {
  override name = 'RunTimeoutError';
  constructor(timeoutMs: number) {
    super(`Run timed out after ${timeoutMs} ms`);
  }
}

export class RunCancelledError extends Error {
  override name = 'RunCancelledError';
  constructor() {
    super('Run was cancelled');
  }
}

/** Thrown by a delivery function when the send may work later: the queue retries it. */
export class RetryableDeliveryError extends Error {
  override name = 'RetryableDeliveryError';
}

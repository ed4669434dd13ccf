import type { z } from 'zod';

export interface InputIssue {
  path: string;
  message: string;
}

/** A zod issue path as a reader writes it: `tasks[3].input.testId`. */
export function formatIssuePath(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (out, key) => (typeof key === 'number' ? `${out}[${key}]` : out ? `${out}.${String(key)}` : String(key)),
    '',
  );
}

/** `element` followed by a path that may start with an index: input + [0] is input[0]. */
export function joinPath(element: string, path: string): string {
  if (!path) return element;
  if (!element) return path;
  return path.startsWith('[') ? `${element}${path}` : `${element}.${path}`;
}

export function describeIssues(error: z.ZodError): InputIssue[] {
  return error.issues.map((issue) => ({
    path: issue.path.length ? formatIssuePath(issue.path) : '(input)',
    message: issue.message,
  }));
}

/** The input does not satisfy the task's schema. */
export class TaskInputError extends Error {
  override name = 'TaskInputError';
  constructor(
    readonly task: string,
    readonly issues: InputIssue[],
    /** Which call of a request it is about, e.g. `tasks[3]` or `callback` of a chord; '' for a single task. */
    readonly element = '',
  ) {
    super(
      `Invalid input for ${task}: ${issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ')}`,
    );
  }
}

export class UnknownTaskError extends Error {
  override name = 'UnknownTaskError';
  constructor(
    readonly task: string,
    /** As TaskInputError's. */
    readonly element = '',
  ) {
    super(`Unknown task "${task}"`);
  }
}

/** Runs `parse` for one call of a request; its task errors then name that call (`tasks[3]`). */
export function atElement<T>(element: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof TaskInputError) throw new TaskInputError(error.task, error.issues, element);
    if (error instanceof UnknownTaskError) throw new UnknownTaskError(error.task, element);
    throw error;
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

import type { ErrorCause, RunErrorInfo } from './define-task';

/** How many causes of an error are kept; a longer (or circular) chain is cut there. */
export const MAX_ERROR_CAUSES = 5;

function nameAndMessage(value: unknown): { name: string; message: string } {
  if (value instanceof Error) return { name: value.name, message: value.message };
  return { name: 'Error', message: String(value) };
}

/**
 * The causes of an error (`new Error(msg, { cause })`), outermost first, nested as `cause`.
 * onlyErrors filters on every name in this chain, so the run's recorded error keeps it.
 */
export function causeChainOf(error: unknown): ErrorCause | undefined {
  const chain: ErrorCause[] = [];
  const seen = new Set<unknown>([error]);
  let current = error instanceof Error ? error.cause : undefined;
  while (current !== undefined && current !== null && !seen.has(current) && chain.length < MAX_ERROR_CAUSES) {
    seen.add(current);
    chain.push(nameAndMessage(current));
    current = current instanceof Error ? current.cause : undefined;
  }
  return chain.reduceRight<ErrorCause | undefined>(
    (inner, cause) => (inner ? { ...cause, cause: inner } : cause),
    undefined,
  );
}

/** A run's error as the ledger records it: name, message, the cause chain's names and messages, and `extra`. */
export function errorRecord(error: unknown, extra: Record<string, unknown> = {}) {
  const cause = causeChainOf(error);
  return { ...nameAndMessage(error), ...(cause ? { cause } : {}), ...extra };
}

/** What a handler learns of an error: its name (a subclass's, for filtering), message, stack and causes. */
export function errorInfo(error: unknown): RunErrorInfo {
  const cause = causeChainOf(error);
  const stack = error instanceof Error ? error.stack : undefined;
  return { ...nameAndMessage(error), ...(stack ? { stack } : {}), ...(cause ? { cause } : {}) };
}

/** The names of a recorded (or thrown) error and of every error in its cause chain. */
export function errorNamesOf(error: unknown): string[] {
  const names: string[] = [];
  const seen = new Set<unknown>();
  let current = error;
  while (current && typeof current === 'object' && !seen.has(current) && names.length <= MAX_ERROR_CAUSES) {
    seen.add(current);
    const { name, cause } = current as { name?: unknown; cause?: unknown };
    if (typeof name === 'string') names.push(name);
    current = cause;
  }
  return names;
}

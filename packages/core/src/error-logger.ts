import type { Logger } from 'pino';

/** Logs `error` events from `source` (a queue, a worker, a connection). */
export type ErrorLogger = (source: string) => (error: Error) => void;

/** Digits, hex ids and addresses vary within one kind of error ("MOVED 1234 10.0.0.3:6379"). */
const errorKind = (source: string, error: Error) =>
  `${source}|${error.name}|${error.message.slice(0, 80).replace(/[0-9a-f]{8,}|\d+(\.\d+)*(:\d+)?/gi, '#')}`;

/**
 * Error listeners that write through pino at a bounded rate: the first error of a kind is logged
 * at once, repeats within `intervalMs` are counted and reported in one line when the next one
 * arrives after the interval. During a Redis failover BullMQ emits an error per command; without
 * a listener it prints each stack with console.error.
 */
export function createErrorLogger(logger: Logger, intervalMs = 10_000): ErrorLogger {
  const seen = new Map<string, { loggedAt: number; suppressed: number }>();
  return (source) => (error) => {
    const kind = errorKind(source, error);
    const now = Date.now();
    const entry = seen.get(kind);
    if (entry && now - entry.loggedAt < intervalMs) {
      entry.suppressed += 1;
      return;
    }
    const repeated = entry?.suppressed ?? 0;
    seen.set(kind, { loggedAt: now, suppressed: 0 });
    if (seen.size > 1_000) seen.delete(seen.keys().next().value as string);
    logger.warn({ source, err: { name: error.name, message: error.message }, repeated }, `${source} error`);
  };
}

/**
 * Messages of Redis and Redis Cluster errors that mean "not reachable right now": the request may
 * succeed if retried shortly. Redirections exhausted during a failover (MOVED/ASK), a cluster that
 * lost a master (CLUSTERDOWN), a slot being migrated (TRYAGAIN), a write that reached a demoted
 * master (READONLY), no node reachable at all, and closed or refused connections.
 */
const UNAVAILABLE_PATTERNS = [
  /Too many Cluster redirections/i,
  /^(MOVED|ASK|CLUSTERDOWN|TRYAGAIN|READONLY|LOADING|MASTERDOWN)\b/,
  /Failed to refresh slots cache/i,
  /None of startup nodes is available/i,
  /Cluster isn't ready/i,
  /Cluster is ended/i,
  /Connection is closed/i,
  /Stream isn't writeable/i,
  /enableOfflineQueue/i,
  /max retries per request/i,
  /Reached the max retries/i,
  /Command timed out/i,
  /\b(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|EPIPE)\b/,
];

/** The queues' store (Redis, or the queue database) did not answer within the time a request may wait for it. */
export class RedisDeadlineError extends Error {
  override name = 'RedisDeadlineError';
  constructor(what: string, ms: number, store = 'Redis') {
    super(`${what}: ${store} did not answer within ${ms} ms`);
  }
}

/** `promise`, or a RedisDeadlineError once `ms` have passed; `store` names what did not answer. */
export function withRedisDeadline<T>(
  promise: Promise<T>,
  ms: number,
  what: string,
  store = 'Redis',
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new RedisDeadlineError(what, ms, store)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

const UNAVAILABLE_NAMES = new Set([
  'ClusterAllFailedError',
  'MaxRetriesPerRequestError',
  'RedisDeadlineError',
]);

/** Whether an error (or its cause) says Redis is unavailable for now, as opposed to a bug. */
export function isRedisUnavailableError(error: unknown, depth = 0): boolean {
  if (!(error instanceof Error) || depth > 3) return false;
  if (UNAVAILABLE_NAMES.has(error.name)) return true;
  if (UNAVAILABLE_PATTERNS.some((pattern) => pattern.test(error.message))) return true;
  const code = (error as { code?: unknown }).code;
  if (
    typeof code === 'string' &&
    /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|EPIPE)$/.test(code)
  )
    return true;
  const { lastNodeError } = error as { lastNodeError?: unknown };
  return isRedisUnavailableError(error.cause, depth + 1) || isRedisUnavailableError(lastNodeError, depth + 1);
}

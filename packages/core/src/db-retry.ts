const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '08000',
  '08001',
  '08003',
  '08006', // connection exceptions
  '40001', // serialization_failure
  '40P01', // deadlock_detected
]);

export function isTransientDatabaseError(error: unknown): boolean {
  const err = error as { code?: string; message?: string } | null;
  if (!err) return false;
  if (err.code && TRANSIENT_CODES.has(err.code)) return true;
  return /Connection terminated|timeout exceeded when trying to connect|connection is closed|Client has encountered a connection error/i.test(
    err.message ?? '',
  );
}

/**
 * Retries a database write while PostgreSQL is unreachable, up to maxWaitMs, so a short outage
 * delays runs instead of failing them (the BullMQ lock is renewed meanwhile).
 */
export async function retryWhileDatabaseDown<T>(fn: () => Promise<T>, maxWaitMs = 120_000): Promise<T> {
  const deadline = Date.now() + maxWaitMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (!isTransientDatabaseError(error) || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.min(250 * attempt, 2_000)));
    }
  }
}

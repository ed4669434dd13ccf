import type pg from 'pg';
import type { RedisConnection } from './redis';

const withTimeout = <T>(promise: Promise<T>, ms: number) =>
  Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), ms).unref())]);

/** Whether Redis and PostgreSQL answer, each within a second. */
export async function checkDependencies(connection: RedisConnection, pool: pg.Pool): Promise<Record<string, boolean>> {
  const [redis, postgres] = await Promise.all([
    withTimeout(connection.ping(), 1_000).then(
      () => true,
      () => false,
    ),
    withTimeout(pool.query('SELECT 1'), 1_000).then(
      () => true,
      () => false,
    ),
  ]);
  return { redis, postgres };
}

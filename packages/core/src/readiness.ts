import type pg from 'pg';
import type { RedisConnection } from './redis';

const withTimeout = <T>(promise: Promise<T>, ms: number) =>
  Promise.race([
    promise,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), ms).unref()),
  ]);

/**
 * Whether Redis and PostgreSQL answer, each within a second. Redis is asked about a key in the
 * queues' own slot (the prefix's hash tag): on a cluster a PING reaches any node, and says yes
 * while the master that holds Herald's queues is down.
 */
export async function checkDependencies(
  connection: RedisConnection,
  pool: pg.Pool,
  prefix: string,
): Promise<Record<string, boolean>> {
  const [redis, postgres] = await Promise.all([
    withTimeout(connection.exists(`${prefix}:readyz`), 1_000).then(
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

import type pg from 'pg';
import { answersWithin, type QueueStore } from './queue-store';

/** Whether the queue store and PostgreSQL answer, each within a second. */
export async function checkDependencies(store: QueueStore, pool: pg.Pool): Promise<Record<string, boolean>> {
  const [queues, postgres] = await Promise.all([store.isReachable(), answersWithin(pool.query('SELECT 1'))]);
  return { [store.readinessName]: queues, postgres };
}

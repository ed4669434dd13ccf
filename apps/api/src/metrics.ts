import type { RequestHandler } from 'express';
import client from 'prom-client';
import type { ApiContext } from './api-context';

/** Counts from the ledger (LedgerCount) are read at scrape time, at most this often. */
const LEDGER_SCRAPE_CACHE_MS = 10_000;

/** Queue counts not read within this are left out of the scrape. */
const QUEUE_SCRAPE_DEADLINE_MS = 2_000;

const withDeadline = <T>(promise: Promise<T>) =>
  Promise.race([
    promise,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error('queue counts timed out')), QUEUE_SCRAPE_DEADLINE_MS).unref(),
    ),
  ]);

export function createMetrics(ctx: Pick<ApiContext, 'db' | 'queues'>) {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry, prefix: 'herald_api_' });

  const httpDuration = new client.Histogram({
    name: 'herald_http_request_duration_seconds',
    help: 'HTTP request latency by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });

  let ledgerCache: {
    at: number;
    runs: { task: string; status: string; count: number }[];
    deliveries: { status: string; count: number }[];
  } | null = null;
  async function readLedger() {
    if (ledgerCache && Date.now() - ledgerCache.at < LEDGER_SCRAPE_CACHE_MS) return ledgerCache;
    const [runs, deliveries] = await Promise.all([
      ctx.db.pool.query<{ task: string; status: string; count: string }>(
        // LedgerCount (kept by triggers): a few rows per task, whatever the ledger's size.
        `SELECT task, status, sum(count) AS count FROM "LedgerCount" WHERE kind = 'run' GROUP BY task, status HAVING sum(count) <> 0`,
      ),
      ctx.db.pool.query<{ status: string; count: string }>(
        `SELECT status, sum(count) AS count FROM "LedgerCount" WHERE kind = 'delivery' GROUP BY status HAVING sum(count) <> 0`,
      ),
    ]);
    ledgerCache = {
      at: Date.now(),
      runs: runs.rows.map((row) => ({ ...row, count: Number(row.count) })),
      deliveries: deliveries.rows.map((row) => ({ ...row, count: Number(row.count) })),
    };
    return ledgerCache;
  }

  new client.Gauge({
    name: 'herald_runs',
    help: 'Runs in the ledger by task and status',
    labelNames: ['task', 'status'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const row of (await readLedger()).runs)
        this.set({ task: row.task, status: row.status }, row.count);
    },
  });
  new client.Gauge({
    name: 'herald_notification_deliveries',
    help: 'Notification deliveries by status',
    labelNames: ['status'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const row of (await readLedger()).deliveries) this.set({ status: row.status }, row.count);
    },
  });
  // Both gauges below read one set of counts per scrape (prom-client collects them in parallel).
  let queueCounts: {
    at: number;
    read: Promise<PromiseSettledResult<{ queue: string; counts: Record<string, number> }>[]>;
  } | null = null;
  function readQueueCounts() {
    if (queueCounts && Date.now() - queueCounts.at < QUEUE_SCRAPE_DEADLINE_MS) return queueCounts.read;
    const read = Promise.allSettled(
      [ctx.queues.tasks, ctx.queues.notifications].map(async (queue) => ({
        queue: queue.name,
        counts: await withDeadline(
          queue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'prioritized', 'waiting-children'),
        ),
      })),
    );
    queueCounts = { at: Date.now(), read };
    return read;
  }
  new client.Gauge({
    name: 'herald_queue_jobs',
    help: 'Jobs in each queue by state',
    labelNames: ['queue', 'state'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      // A queue that cannot be read (its master is failing over) is left out; the scrape still answers.
      for (const result of await readQueueCounts()) {
        if (result.status !== 'fulfilled') continue;
        for (const [state, count] of Object.entries(result.value.counts))
          this.set({ queue: result.value.queue, state }, count);
      }
    },
  });
  new client.Gauge({
    // Named after the store, as dashboards know it: herald_redis_up, or herald_queue_database_up on PostgreSQL.
    name: ctx.queues.store.kind === 'redis' ? 'herald_redis_up' : 'herald_queue_database_up',
    help: `1 when the queue counts of this scrape were read from ${ctx.queues.store.kind === 'redis' ? 'Redis' : 'the queue database'}, 0 when they are missing`,
    registers: [registry],
    async collect() {
      this.set((await readQueueCounts()).every((result) => result.status === 'fulfilled') ? 1 : 0);
    },
  });

  const observe: RequestHandler = (req, res, next) => {
    const end = httpDuration.startTimer();
    res.on('finish', () => {
      // The route pattern, not the path: ids would explode the label set.
      const route = req.route?.path ? `${req.baseUrl}${String(req.route.path)}` : 'unmatched';
      end({ method: req.method, route, status: String(res.statusCode) });
    });
    next();
  };

  return { registry, observe };
}

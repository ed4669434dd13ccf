/**
 * One benchmark process: a Herald worker, a raw BullMQ worker, the Herald API or a bare express
 * route, chosen by the BENCH_CHILD spec. Workers run in their own process so their RSS is theirs
 * alone and several can share one Redis (the scaling run).
 *
 * Protocol over the IPC channel: the child says `ready` once connected; `go` starts the workers;
 * the child reports `progress` (completed jobs by name) every PROGRESS_MS; `pause` stops a
 * herald-tasks round and keeps the process for the next `go`; `stop` closes it, and it answers
 * `stopped` with its peak RSS and the CPU it used since `go` before exiting.
 */
import { createRequire } from 'node:module';
import type { Server } from 'node:http';
import type { Job, Worker } from 'bullmq';
import type Express from 'express';
import type { Session } from 'node:inspector/promises';
import pino from 'pino';
import { loadConfig } from '@herald/config';
import type { ChildMessage, ChildSpec, ParentMessage } from './lib/child.ts';

// Each kind imports only what it runs (below), so a raw BullMQ worker's RSS is not inflated by
// Prisma, express or MJML that it never uses.

const PROGRESS_MS = 20;
const RSS_SAMPLE_MS = 100;

const spec = JSON.parse(process.env.BENCH_CHILD ?? '{}') as ChildSpec;
const logger = pino({ level: 'warn' });
const send = (message: ChildMessage) => process.send?.(message);

const completed: Record<string, number> = {};
let reported = '';
const countCompleted = (job: Job | undefined) => {
  if (job) completed[job.name] = (completed[job.name] ?? 0) + 1;
};

let peakRss = process.memoryUsage.rss();
const rssTimer = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
}, RSS_SAMPLE_MS);

interface Running {
  /** Starts the workers, on `prefix` when given (a later round of the same process). */
  go(prefix?: string): Promise<void>;
  /** Stops the workers but keeps the process and its connections for another round. */
  pause?(): Promise<void>;
  close(): Promise<void>;
}

function config(extra: Record<string, string> = {}) {
  return loadConfig({
    REDIS_URL: spec.redisUrl,
    DATABASE_URL: spec.databaseUrl ?? 'postgresql://postgres@127.0.0.1:5432/postgres',
    QUEUE_PREFIX: spec.prefix,
    LOG_LEVEL: 'warn',
    WORKER_HEALTH_PORT: '0',
    WORKER_CONCURRENCY: String(spec.concurrency ?? 50),
    ...extra,
  });
}

/** The task half of apps/worker's startWorkerApp, with a handle on the BullMQ worker to count completions. */
async function heraldTasks(): Promise<Running> {
  const { createDatabase } = await import('@herald/db');
  const {
    createPostgresQueueStore,
    createQueues,
    createRedisConnection,
    redisQueueStoreOn,
    RunLedger,
    startTaskWorker,
  } = await import('@herald/core');
  const { benchRegistry } = await import('./lib/tasks.ts');
  const cfg = config();
  const db = createDatabase({ url: cfg.DATABASE_URL, poolSize: cfg.DATABASE_POOL_SIZE });
  const connection = createRedisConnection(cfg);
  await db.pool.query('SELECT 1');
  let round: { worker: ReturnType<typeof startTaskWorker>; queues: ReturnType<typeof createQueues> } | null =
    null;
  const pause = async () => {
    await round?.worker.close(5_000);
    await round?.queues.close();
    // A Redis store is on the shared connection, closed with the process; a PostgreSQL one has pools of its own.
    if (round?.queues.store.kind === 'postgres') await round.queues.store.close();
    round = null;
  };
  return {
    async go(prefix = spec.prefix) {
      const store =
        spec.queueBackend === 'postgres'
          ? createPostgresQueueStore({ url: cfg.DATABASE_URL, prefix })
          : redisQueueStoreOn(connection, prefix);
      const queues = createQueues(store);
      const ledger = new RunLedger(db.pool);
      const worker = startTaskWorker({
        registry: benchRegistry,
        ledger,
        queues,
        logger,
        concurrency: cfg.WORKER_CONCURRENCY,
      });
      worker.worker.on('completed', countCompleted);
      round = { worker, queues };
    },
    pause,
    async close() {
      await pause();
      connection.disconnect();
      await db.close();
    },
  };
}

/**
 * The whole worker app (tasks, notifications, outbox sweep), mailing the parent's dev inbox.
 * Started before `ready`, as a deployed worker waits for work: its start-up (templates compiled
 * with MJML) is not part of what is measured.
 */
async function heraldApp(): Promise<Running> {
  const { startWorkerApp } = await import('@herald/worker');
  const { benchRegistry } = await import('./lib/tasks.ts');
  const cfg = config({
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: String(spec.smtpPort),
    SMTP_FROM: 'Herald <herald@bench.example.com>',
    FRONTEND_URL: 'https://app.bench.example.com',
    PUBLIC_API_URL: 'https://api.bench.example.com',
    NOTIFICATION_CONCURRENCY: String(spec.notificationConcurrency ?? 20),
    SMTP_POOL_SIZE: String(spec.smtpPoolSize ?? 5),
    QUEUE_BACKEND: spec.queueBackend ?? 'redis',
  });
  const app = await startWorkerApp({ config: cfg, logger, registry: benchRegistry, healthPort: 0 });
  return {
    go: async () => undefined,
    close: () => app.close(5_000),
  };
}

/**
 * A stock BullMQ worker: no-op jobs, or chord callbacks that read their children's values. On
 * Redis, or on BullMQ's PostgreSQL backend with the connection the parent built.
 */
async function rawWorker(): Promise<Running> {
  const { createPostgresBackend, Worker } = await import('bullmq');
  const { Redis } = await import('ioredis');
  const redis =
    spec.queueBackend === 'postgres' ? null : new Redis(spec.redisUrl, { maxRetriesPerRequest: null });
  const name = spec.queue ?? 'tasks';
  const concurrency = spec.concurrency ?? 50;
  const processor = async (job: Job) =>
    spec.kind === 'raw-chord' && job.name === 'callback' ? job.getChildrenValues() : (job.data?.n ?? null);
  const createWorker = (): Worker => {
    if (redis) return new Worker(name, processor, { connection: redis, prefix: spec.prefix, concurrency });
    if (!spec.postgresConnection) throw new Error('a raw worker on PostgreSQL needs postgresConnection');
    // Typed for the PostgreSQL backend; only the API both backends share is used.
    return new Worker(
      name,
      processor,
      { connection: spec.postgresConnection, concurrency },
      createPostgresBackend,
    ) as never;
  };
  let worker: Worker | null = null;
  return {
    async go() {
      worker = createWorker();
      worker.on('completed', countCompleted);
    },
    async close() {
      await worker?.close();
      redis?.disconnect();
    },
  };
}

/** Herald's API as `herald api` runs it. */
async function heraldApi(): Promise<Running & { port: number }> {
  const { startApi } = await import('@herald/api');
  const { benchRegistry } = await import('./lib/tasks.ts');
  const api = await startApi({
    config: config(),
    logger,
    registry: benchRegistry,
    port: 0,
    host: '127.0.0.1',
  });
  return { port: api.port, go: async () => undefined, close: () => api.close() };
}

/** The least an HTTP enqueue can do: parse JSON, queue.add, answer 202. */
async function bareApi(): Promise<Running & { port: number }> {
  const { Queue } = await import('bullmq');
  const { Redis } = await import('ioredis');
  // express is a dependency of @herald/api, not of the workspace root.
  const express = createRequire(import.meta.resolve('@herald/api'))('express') as typeof Express;
  const connection = new Redis(spec.redisUrl, { maxRetriesPerRequest: 3 });
  const queue = new Queue('tasks', { connection, prefix: spec.prefix });
  const app = express();
  app.use(express.json());
  app.post('/api/tasks', (req, res, next) => {
    const body = req.body as { task: string; input?: unknown };
    queue
      .add(body.task, { input: body.input ?? {} })
      .then((job) => res.status(202).json({ id: job.id, task: body.task, status: 'queued' }), next);
  });
  const server = await new Promise<Server>((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    go: async () => undefined,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await queue.close();
      connection.disconnect();
    },
  };
}

async function main(): Promise<void> {
  const running: Running & { port?: number } =
    spec.kind === 'herald-tasks'
      ? await heraldTasks()
      : spec.kind === 'herald-app'
        ? await heraldApp()
        : spec.kind === 'herald-api'
          ? await heraldApi()
          : spec.kind === 'bare-api'
            ? await bareApi()
            : await rawWorker();
  const progress = setInterval(() => {
    const snapshot = JSON.stringify(completed);
    if (snapshot === reported) return;
    reported = snapshot;
    send({ type: 'progress', completed: { ...completed } });
  }, PROGRESS_MS);
  process.on('message', (message: ParentMessage) => {
    if (message.type === 'go') {
      peakRss = process.memoryUsage.rss();
      cpuAtGo = cpuMs();
      void startProfile();
      void running.go(message.prefix).then(() => send({ type: 'started' }));
    } else if (message.type === 'pause') {
      void running.pause?.().then(() => {
        send({
          type: 'paused',
          peakRssMb: peakRss / 2 ** 20,
          completed: { ...completed },
          cpuMs: cpuMs() - cpuAtGo,
        });
        for (const name of Object.keys(completed)) delete completed[name];
        reported = '';
      });
    } else if (message.type === 'stop') {
      clearInterval(progress);
      void stopProfile()
        .then(() => running.close())
        .then(() => {
          clearInterval(rssTimer);
          process.removeAllListeners('disconnect');
          // The sampled peak, or the kernel's high-water mark if a spike fell between two samples.
          const maxRss = Math.max(peakRss, process.resourceUsage().maxRSS * 1024);
          send({ type: 'stopped', peakRssMb: maxRss / 2 ** 20, completed, cpuMs: cpuMs() - cpuAtGo });
          process.disconnect();
        });
    }
  });
  // A parent that died (an error, Ctrl-C) leaves no worker behind.
  process.on('disconnect', () => process.exit(0));
  send({ type: 'ready', port: running.port });
}

/**
 * BENCH_PROFILE_DIR=<dir>: a CPU profile of the measured part only (from `go` to `stop`), not
 * of start-up, written as <dir>/<kind>-<pid>.cpuprofile for the DevTools or a summary script.
 */
let profiler: Session | null = null;
async function startProfile(): Promise<void> {
  if (!process.env.BENCH_PROFILE_DIR) return;
  const inspector = await import('node:inspector/promises');
  profiler = new inspector.Session();
  profiler.connect();
  await profiler.post('Profiler.enable');
  await profiler.post('Profiler.start');
}
async function stopProfile(): Promise<void> {
  if (!profiler) return;
  const { profile } = await profiler.post('Profiler.stop');
  const { writeFile } = await import('node:fs/promises');
  await writeFile(
    `${process.env.BENCH_PROFILE_DIR}/${spec.kind}-${process.pid}.cpuprofile`,
    JSON.stringify(profile),
  );
  profiler.disconnect();
}

let cpuAtGo = 0;
function cpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

main().catch((error: unknown) => {
  process.stderr.write(
    `bench child ${spec.kind}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});

/**
 * Scenario 3: notified tasks. Tasks wrapped with emailNotification end, and their mails reach a
 * dev inbox (startDevInbox, keeping headers only) in this process, sent by the whole worker app (task worker, outbox,
 * notification worker, EmailService, pooled SMTP) in a child process.
 *
 *  - throughput: `tasks` runs enqueued in bulk, then the worker starts; mails/s until the last
 *    mail is accepted. Baseline: the sink's own ceiling, Herald's SMTP transport sending an
 *    already rendered mail from this process with the same connections and mails in flight
 *    (stock nodemailer would measure Nagle's algorithm instead: about 20 mails/s a connection).
 *  - latency: runs enqueued one by one at `ratePerSecond`; for each mail, the inbox's receivedAt
 *    minus the run's finishedAt in the ledger.
 *
 * The queues are on Redis, or on BullMQ's PostgreSQL backend in the bench database (`backend`).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { createSmtpTransport, startDevInbox, TemplateRenderer, type ReceivedMail } from '@herald/email';
import { startChild } from '../lib/child.ts';
import { devInboxSmtp } from '../lib/smtp.ts';
import { chunks, createBenchClient, inParallel, seconds } from '../lib/client.ts';
import { dropBenchQueues, prepareBenchQueues, type BenchBackend } from '../lib/queue-backend.ts';
import { REDIS_URL, type BenchSetup } from '../lib/setup.ts';
import { percentile } from '../lib/table.ts';
import { notifiedTask } from '../lib/tasks.ts';

/** The worker app's defaults (SMTP_POOL_SIZE, NOTIFICATION_CONCURRENCY); BENCH_SMTP_POOL_SIZE and
 * BENCH_NOTIFICATION_CONCURRENCY try other settings. */
const SMTP_POOL_SIZE = Number(process.env.BENCH_SMTP_POOL_SIZE ?? 5);
const NOTIFICATION_CONCURRENCY = Number(process.env.BENCH_NOTIFICATION_CONCURRENCY ?? 20);
const ENQUEUE_CHUNK = 1_000;

export interface NotifiedResult {
  tasks: number;
  /** Enqueue, run and mail `tasks` runs: mails per second from the first enqueue. */
  mailsPerSecond: number;
  sinkMailsPerSecond: number;
  /** `tasks`: the paced runs measured, of `paced` (fewer when enqueues gave up). */
  latency: { tasks: number; paced: number; ratePerSecond: number; p50: number; p99: number; max: number };
  /**
   * The paced enqueues themselves: how long `enqueue` took, and how many gave up at Herald's
   * enqueue deadline (their runs are failed in the ledger and send no mail).
   */
  enqueue: { p50: number; p99: number; failed: number };
  peakRssMb: number;
  /** CPU per mail of the worker process (both phases), and of this process (enqueue + dev inbox) in the first. */
  cpuMsPerMail: { worker: number; sinkAndEnqueue: number };
}

const normaliseId = (messageId: string) => messageId.replace(/^<|>$/g, '');

export async function runNotified(
  setup: BenchSetup,
  {
    tasks,
    latencySeconds,
    ratePerSecond,
    concurrency,
    nodeFlags,
    backend = 'redis',
  }: {
    tasks: number;
    latencySeconds: number;
    ratePerSecond: number;
    concurrency: number;
    nodeFlags?: string[];
    backend?: BenchBackend;
  },
): Promise<NotifiedResult> {
  // Headers only: parsing every body (mailparser, ~2 ms a mail) would make the sink, not Herald, the bound.
  const inbox = await startDevInbox({ keep: 'headers' });
  const prefix = setup.newPrefix(backend === 'postgres' ? 'herald-notified-pg' : 'herald-notified');
  await prepareBenchQueues(setup, backend, prefix, 'herald');
  const child = await startChild({
    kind: 'herald-app',
    prefix,
    redisUrl: REDIS_URL,
    databaseUrl: setup.testDb.url,
    concurrency,
    smtpPort: inbox.smtpPort,
    smtpPoolSize: SMTP_POOL_SIZE,
    notificationConcurrency: NOTIFICATION_CONCURRENCY,
    nodeFlags,
    queueBackend: backend,
  });
  const bench = createBenchClient(setup, prefix, backend);

  // Throughput: the worker app is up and idle; from the first enqueue to the last mail accepted.
  await child.go();
  const parentCpuAt = process.cpuUsage();
  let startedAt = performance.now();
  for (const chunk of chunks(tasks, ENQUEUE_CHUNK)) {
    await bench.client.enqueueMany(
      notifiedTask.name,
      chunk.map((n) => ({ n })),
      setup.tenant,
    );
  }
  await inbox.waitForMessages(tasks, 600_000);
  const mailsPerSecond = tasks / seconds(startedAt);
  const parentCpu = process.cpuUsage(parentCpuAt);
  inbox.clear();

  // Latency at a steady rate.
  const paced = Math.round(latencySeconds * ratePerSecond);
  const ids: string[] = [];
  const enqueueMs: number[] = [];
  let failedEnqueues = 0;
  const enqueues: Promise<void>[] = [];
  startedAt = performance.now();
  for (let n = 0; n < paced; n++) {
    const due = startedAt + (n * 1000) / ratePerSecond;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const calledAt = performance.now();
    enqueues.push(
      bench.client.enqueue(notifiedTask.name, { n }, setup.tenant).then(
        ({ id }) => {
          ids.push(id);
          enqueueMs.push(performance.now() - calledAt);
        },
        () => {
          failedEnqueues++;
        },
      ),
    );
  }
  await Promise.all(enqueues);
  const received = await inbox.waitForMessages(ids.length, 120_000);
  // The worker records a delivery as sent once the sink has accepted it: wait for the last ones.
  let rows: { finishedAt: Date; messageId: string }[] = [];
  for (
    const deadline = Date.now() + 30_000;
    rows.length < ids.length && Date.now() < deadline;
    await sleep(50)
  ) {
    ({ rows } = await setup.testDb.db.pool.query<{ finishedAt: Date; messageId: string }>(
      `SELECT r."finishedAt" AT TIME ZONE 'UTC' AS "finishedAt", d."messageId" FROM "TaskRun" r JOIN "NotificationDelivery" d ON d."runId" = r.id
       WHERE r.id = ANY($1) AND d.status = 'sent'`,
      [ids],
    ));
  }
  const receivedAt = new Map(
    received.map((mail: ReceivedMail) => [normaliseId(mail.messageId), mail.receivedAt.getTime()]),
  );
  const latencies = rows
    .map((row) => (receivedAt.get(normaliseId(row.messageId)) ?? Number.NaN) - row.finishedAt.getTime())
    .filter((value) => Number.isFinite(value));
  if (latencies.length < ids.length)
    throw new Error(`latency: matched ${latencies.length} of ${ids.length} mails to their runs`);
  const { peakRssMb, cpuMs: workerCpuMs } = await child.stop();
  await bench.close();
  await dropBenchQueues(setup, backend, prefix);

  // The sink's ceiling: one rendered mail sent over and over, from this process.
  inbox.clear();
  const renderer = new TemplateRenderer();
  await renderer.compileAll();
  const mail = renderer.render('task-completion', {
    recipient_name: 'Bench Owner',
    task_name: notifiedTask.name,
    task_id: 'run-0',
    status: 'succeeded',
    execution_time: '1 ms',
    completed_at: new Date(),
    frontend_url: 'https://app.bench.example.com',
  });
  const transport = createSmtpTransport(
    devInboxSmtp(inbox.smtpPort, 'Herald <herald@bench.example.com>', SMTP_POOL_SIZE),
  );
  startedAt = performance.now();
  await inParallel(tasks, NOTIFICATION_CONCURRENCY, (n) =>
    transport.send({
      from: 'Herald <herald@bench.example.com>',
      to: { address: `owner${n}@bench.example.com` },
      ...mail,
    }),
  );
  await inbox.waitForMessages(tasks, 120_000);
  const sinkMailsPerSecond = tasks / seconds(startedAt);
  await transport.close();
  await inbox.close();
  await setup.testDb.db.pool.query(`DELETE FROM "TaskRun" WHERE task = $1`, [notifiedTask.name]);

  return {
    tasks,
    mailsPerSecond,
    sinkMailsPerSecond,
    latency: {
      tasks: latencies.length,
      paced,
      ratePerSecond,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      max: Math.max(...latencies),
    },
    enqueue: { p50: percentile(enqueueMs, 50), p99: percentile(enqueueMs, 99), failed: failedEnqueues },
    peakRssMb,
    cpuMsPerMail: {
      worker: workerCpuMs / (tasks + paced),
      sinkAndEnqueue: (parentCpu.user + parentCpu.system) / 1000 / tasks,
    },
  };
}

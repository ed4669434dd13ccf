import type { Job, Worker } from 'bullmq';
import client from 'prom-client';
import type { DeliverFn } from '@herald/core';
import type { Transport } from '@herald/email';

/**
 * The worker's Prometheus metrics, served on its health port at /metrics. Counted in this
 * process as its jobs end, so a scrape costs the same whatever the ledger holds.
 */
export function createWorkerMetrics() {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry, prefix: 'herald_worker_' });

  const jobs = new client.Counter({
    name: 'herald_worker_jobs_total',
    help: 'Jobs this worker finished, by queue and outcome (completed, or failed: an attempt that threw)',
    labelNames: ['queue', 'outcome'] as const,
    registers: [registry],
  });
  const jobDuration = new client.Histogram({
    name: 'herald_worker_job_duration_seconds',
    help: 'Time from a job starting on this worker to its end, by queue and outcome',
    labelNames: ['queue', 'outcome'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [registry],
  });
  const deliveries = new client.Counter({
    name: 'herald_worker_deliveries_total',
    help: 'Delivery attempts this worker made, by channel and the status they ended in (sent, skipped, failed, retry...)',
    labelNames: ['channel', 'status'] as const,
    registers: [registry],
  });
  const smtpSend = new client.Histogram({
    name: 'herald_worker_smtp_send_duration_seconds',
    help: 'SMTP send latency: from handing a message to the transport to the server accepting or refusing it',
    labelNames: ['outcome'] as const,
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });

  function observeJob(queue: string, outcome: 'completed' | 'failed', job: Job | undefined) {
    jobs.inc({ queue, outcome });
    if (job?.processedOn)
      jobDuration.observe({ queue, outcome }, ((job.finishedOn ?? Date.now()) - job.processedOn) / 1000);
  }

  return {
    registry,
    /** Counts a BullMQ worker's completed and failed jobs. */
    watchWorker(worker: Worker) {
      worker.on('completed', (job) => observeJob(worker.name, 'completed', job));
      worker.on('failed', (job) => observeJob(worker.name, 'failed', job));
    },
    /** Counts each delivery attempt by the status it returned, or 'error' when it threw (retried). */
    countDeliveries(deliver: DeliverFn): DeliverFn {
      return async (deliveryId, attempt, channel) => {
        try {
          const result = await deliver(deliveryId, attempt, channel);
          deliveries.inc({ channel: channel ?? 'unknown', status: result.status });
          return result;
        } catch (error) {
          deliveries.inc({ channel: channel ?? 'unknown', status: 'error' });
          throw error;
        }
      };
    },
    /** The same transport, its sends timed. */
    timeTransport(transport: Transport): Transport {
      return {
        async send(mail) {
          const end = smtpSend.startTimer();
          try {
            const sent = await transport.send(mail);
            end({ outcome: 'accepted' });
            return sent;
          } catch (error) {
            end({ outcome: 'error' });
            throw error;
          }
        },
        verify: () => transport.verify(),
        close: () => transport.close(),
      };
    },
  };
}

export type WorkerMetrics = ReturnType<typeof createWorkerMetrics>;

/**
 * Scenarios 1 and 3 with the queues on BullMQ's PostgreSQL backend (QUEUE_BACKEND=postgres), each
 * side in a queue schema of its own in the bench database: Herald against raw BullMQ on the same
 * backend, and both against the same scenario's Redis run, so a team sees what one database costs.
 */
import { assertLedger, endToEnd, latencyRows, noopNote, noopRows } from '../lib/rows.ts';
import type { BenchSetup } from '../lib/setup.ts';
import { mb, ms, rate, type Row } from '../lib/table.ts';
import { runNoop, type NoopResult } from './noop.ts';
import { runNotified, type NotifiedResult } from './notified.ts';

export interface PostgresSizes {
  noop?: { jobs: number; concurrency: number };
  notified?: { tasks: number; latencySeconds: number; ratePerSecond: number; concurrency: number };
}

/** The same scenarios' Redis results from this run, when they ran. */
export interface RedisReference {
  noop: NoopResult | null;
  notified: NotifiedResult | null;
}

const times = (value: number) => `${value.toFixed(2)}×`;

export async function runOnPostgres(
  setup: BenchSetup,
  sizes: PostgresSizes,
  redis: RedisReference,
  say: (line: string) => void,
): Promise<{ rows: Row[]; notes: string[] }> {
  const rows: Row[] = [];
  const notes: string[] = [];
  let noop: NoopResult | null = null;
  let notified: NotifiedResult | null = null;
  if (sizes.noop) {
    say(`1 PG: ${sizes.noop.jobs} no-op tasks, concurrency ${sizes.noop.concurrency}, queues on PostgreSQL`);
    noop = await runNoop(setup, { ...sizes.noop, backend: 'postgres' });
    assertLedger(noop, '1 PG');
    rows.push(...noopRows(noop, '1 PG'));
    if (redis.noop) {
      const onPostgres = endToEnd(noop, noop.herald);
      const onRedis = endToEnd(redis.noop, redis.noop.herald);
      rows.push({
        figure: '1 PG ÷ Redis, Herald enqueue + run',
        herald: rate(onPostgres, 'jobs/s'),
        baseline: `${rate(onRedis, 'jobs/s')} (Redis)`,
        ratio: onPostgres / onRedis,
        target: '—',
        met: null,
      });
    }
    notes.push(
      `${noopNote(noop, '1 PG')} Worker peak RSS ${mb(noop.herald.peakRssMb)} (Herald) and ${mb(noop.raw.peakRssMb)} (raw).`,
    );
  }
  if (sizes.notified) {
    const { tasks, latencySeconds, ratePerSecond } = sizes.notified;
    say(
      `3 PG: ${tasks} notified tasks, then ${latencySeconds} s at ${ratePerSecond} tasks/s, queues on PostgreSQL`,
    );
    notified = await runNotified(setup, { ...sizes.notified, backend: 'postgres' });
    const reference = redis.notified;
    rows.push({
      figure: `3 PG notified tasks ×${tasks}, end to end`,
      herald: rate(notified.mailsPerSecond, 'mails/s'),
      baseline: reference
        ? `${rate(reference.mailsPerSecond, 'mails/s')} (Redis)`
        : `${rate(notified.sinkMailsPerSecond, 'mails/s')} (sink)`,
      ratio: notified.mailsPerSecond / (reference?.mailsPerSecond ?? notified.sinkMailsPerSecond),
      target: '≥ 800 mails/s',
      met: notified.mailsPerSecond >= 800,
    });
    rows.push(...latencyRows(notified, reference, '3 PG'));
    const enqueue = (result: NotifiedResult) =>
      `p50 ${ms(result.enqueue.p50)}, p99 ${ms(result.enqueue.p99)}`;
    notes.push(
      `3 PG: latency over ${notified.latency.tasks} runs, max ${ms(notified.latency.max)}; each paced enqueue took ` +
        `${enqueue(notified)}${reference ? ` (${enqueue(reference)} on Redis)` : ''}` +
        `${notified.enqueue.failed ? `, and ${notified.enqueue.failed} gave up at the enqueue deadline (no run, no mail)` : ''}; CPU per mail ` +
        `${notified.cpuMsPerMail.worker.toFixed(2)} ms in the worker${reference ? ` (${reference.cpuMsPerMail.worker.toFixed(2)} ms on Redis)` : ''}; ` +
        `worker peak RSS ${mb(notified.peakRssMb)}${reference ? ` (${mb(reference.peakRssMb)} on Redis)` : ''}.`,
    );
  }
  const tradeOff = describeTradeOff(noop, notified, redis);
  if (tradeOff) notes.push(tradeOff);
  return { rows, notes };
}

/**
 * Latency read against a backlog says little: names the runs whose worker mailed fewer a second,
 * end to end, than the paced rate fed it.
 */
function behind(runs: [string, NotifiedResult][]): string {
  const slow = runs.filter(([, run]) => run.mailsPerSecond < run.latency.ratePerSecond);
  if (!slow.length) return '';
  const names = slow.map(([name]) => name).join(' and on ');
  return ` (the worker on ${names} mailed fewer than ${slow[0]?.[1].latency.ratePerSecond} a second end to end: that latency includes a backlog)`;
}

/** One line from this run's figures: what the queues on PostgreSQL cost against Redis. */
function describeTradeOff(
  noop: NoopResult | null,
  notified: NotifiedResult | null,
  redis: RedisReference,
): string | null {
  const parts: string[] = [];
  if (noop && redis.noop) {
    const herald = endToEnd(noop, noop.herald) / endToEnd(redis.noop, redis.noop.herald);
    const raw = endToEnd(noop, noop.raw) / endToEnd(redis.noop, redis.noop.raw);
    parts.push(
      `no-op tasks at ${times(herald)} the Redis rate (${rate(endToEnd(noop, noop.herald), 'jobs/s')} against ` +
        `${rate(endToEnd(redis.noop, redis.noop.herald), 'jobs/s')} enqueue + run; raw BullMQ ${times(raw)})`,
    );
  }
  if (notified && redis.notified) {
    const { latency, enqueue } = notified;
    const reference = redis.notified.latency;
    parts.push(
      `notified tasks at ${times(notified.mailsPerSecond / redis.notified.mailsPerSecond)} ` +
        `(${rate(notified.mailsPerSecond, 'mails/s')} against ${rate(redis.notified.mailsPerSecond, 'mails/s')})`,
      `at ${latency.ratePerSecond} tasks/s an enqueue took p99 ${ms(enqueue.p99)} against ${ms(redis.notified.enqueue.p99)}` +
        (enqueue.failed ? ` and ${enqueue.failed} of ${latency.paced} gave up at the enqueue deadline` : ''),
      `a mail accepted p50 ${ms(latency.p50)} and p99 ${ms(latency.p99)} after its task ended, against ` +
        `${ms(reference.p50)} and ${ms(reference.p99)} on Redis` +
        behind([
          ['PostgreSQL', notified],
          ['Redis', redis.notified],
        ]),
    );
  }
  if (!parts.length) return null;
  return `PG: what the queues in PostgreSQL (one database, no Redis) gave up in this run: ${parts.join('; ')}.`;
}

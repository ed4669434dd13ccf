/** The table rows and notes of scenarios 1 and 3, the same for either queue backend. */
import type { NoopResult, NoopSide } from '../scenarios/noop.ts';
import type { NotifiedResult } from '../scenarios/notified.ts';
import { ms, rate, type Row } from './table.ts';

export const ratioRow = (
  figure: string,
  herald: number,
  baseline: number,
  unit: string,
  minRatio: number,
): Row => ({
  figure,
  herald: rate(herald, unit),
  baseline: rate(baseline, unit),
  ratio: herald / baseline,
  target: `≥ ${minRatio}`,
  met: herald / baseline >= minRatio,
});

/** Jobs a second from the first enqueue to the last job done. */
export const endToEnd = (result: NoopResult, side: NoopSide) =>
  result.jobs / (side.enqueueSeconds + side.drainSeconds);

/** Scenario 1's rows; `label` starts each figure ("1", "1 PG"). */
export function noopRows(result: NoopResult, label: string): Row[] {
  const { jobs, herald, raw } = result;
  return [
    ratioRow(
      `${label} no-op tasks ×${jobs}, enqueue + run`,
      endToEnd(result, herald),
      endToEnd(result, raw),
      'jobs/s',
      0.6,
    ),
    ratioRow(
      `${label} no-op tasks ×${jobs}, worker only`,
      jobs / herald.drainSeconds,
      jobs / raw.drainSeconds,
      'jobs/s',
      0.6,
    ),
    {
      figure: `${label} no-op tasks, bulk enqueue`,
      herald: rate(jobs / herald.enqueueSeconds, 'jobs/s'),
      baseline: rate(jobs / raw.enqueueSeconds, 'jobs/s'),
      ratio: raw.enqueueSeconds / herald.enqueueSeconds,
      target: '—',
      met: null,
    },
  ];
}

/** Scenario 1's note: CPU per job, the database's transactions, and where the cores went. */
export function noopNote(result: NoopResult, label: string): string {
  const { jobs, herald, raw } = result;
  const busy = (side: NoopSide) => {
    const workers = side.cpuMs / 1000 / side.drainSeconds;
    const { machine, postgres, redis } = side.cores;
    return `worker ${workers.toFixed(2)}, PostgreSQL ${postgres.toFixed(2)}, Redis ${redis.toFixed(2)}, anything else ${(machine - workers - postgres - redis).toFixed(2)}`;
  };
  // On PostgreSQL the queues' own transactions are in the count too.
  const transactions =
    result.rawStatements === null
      ? `Herald wrote ${result.ledgerStatements} ledger transactions for ${jobs} runs`
      : `the database committed ${result.ledgerStatements} transactions (queues and ledger) for Herald's ${jobs} runs and ` +
        `${result.rawStatements} for raw BullMQ's`;
  return (
    `${label}: worker CPU per job ${((herald.cpuMs / jobs) * 1000).toFixed(0)} µs (Herald) and ` +
    `${((raw.cpuMs / jobs) * 1000).toFixed(0)} µs (raw); ${transactions}. ` +
    `Cores busy while draining: Herald ${busy(herald)}; raw ${busy(raw)}.`
  );
}

/** Scenario 3's rows against the sink's ceiling. */
export function notifiedRows(result: NotifiedResult): Row[] {
  return [
    {
      figure: `3 notified tasks ×${result.tasks}, end to end`,
      herald: rate(result.mailsPerSecond, 'mails/s'),
      baseline: `${rate(result.sinkMailsPerSecond, 'mails/s')} (sink)`,
      ratio: result.mailsPerSecond / result.sinkMailsPerSecond,
      target: '≥ 800 mails/s',
      met: result.mailsPerSecond >= 800,
    },
    ...latencyRows(result, null),
  ];
}

/**
 * Scenario 3's latency rows, p50 and p99 of task end → SMTP accepted; with `redis`, that run's
 * figures as the baseline (ratio Redis / this, lower being better).
 */
export function latencyRows(result: NotifiedResult, redis: NotifiedResult | null, label = '3'): Row[] {
  return (
    [
      ['p50', 'p50', null],
      ['p99', 'p99', 250],
    ] as const
  ).map(([name, key, target]) => {
    const value = result.latency[key];
    const reference = redis?.latency[key];
    const { tasks, paced, ratePerSecond } = result.latency;
    return {
      figure: `${label} task end → SMTP accepted ${name}, ${ratePerSecond}/s${tasks < paced ? ` (${tasks} of ${paced} runs)` : ''}`,
      herald: ms(value),
      baseline: reference === undefined ? '—' : `${ms(reference)} (Redis)`,
      ratio: reference === undefined ? null : reference / value,
      target: target === null ? '—' : `≤ ${target} ms`,
      met: target === null ? null : value <= target,
    };
  });
}

/** Scenario 1's run must leave every run in the ledger, succeeded, with sane times. */
export function assertLedger(result: NoopResult, label: string): void {
  if (result.ledgerSucceeded !== result.jobs)
    throw new Error(
      `scenario ${label}: the ledger holds ${result.ledgerSucceeded} succeeded runs of ${result.jobs}`,
    );
  if (result.ledgerBadTimes)
    throw new Error(
      `scenario ${label}: ${result.ledgerBadTimes} runs have no start or end before their start`,
    );
}

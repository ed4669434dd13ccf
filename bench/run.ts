/**
 * Herald's benchmark suite: every scenario against its baseline, in one process run.
 *
 *   pnpm bench            # full sizes, a few minutes
 *   pnpm bench:quick      # smaller sizes, under a minute
 *   tsx bench/run.ts [--quick] [--only=1,3,scaling,postgres] [--write-results]
 *   tsx bench/run.ts --only=ledger [--runs=200000]   (bench/ledger.ts)
 *
 * Needs REDIS_URL and DATABASE_URL (a server the bench may create a database on); it uses a
 * Redis key prefix and a database of its own (the PostgreSQL-backend rows' queue schemas in it)
 * and removes both at the end.
 * --only=postgres runs scenarios 1 and 3 on both queue backends (--only=1,postgres: 1 alone);
 * without it, --only=1,3 runs them on Redis only.
 * --write-results rewrites bench/RESULTS.md with this run's table.
 */
import { cpus, loadavg } from 'node:os';
import { runEmailBench } from './email.ts';
import { createBenchSetup } from './lib/setup.ts';
import { assertLedger, noopNote, noopRows, notifiedRows, ratioRow } from './lib/rows.ts';
import { serverVersions, writeResults } from './lib/results-file.ts';
import { parseRunOptions } from './lib/run-options.ts';
import { formatTable, mb, ms, rate, type Row } from './lib/table.ts';
import { runChords } from './scenarios/chord.ts';
import { runNoop, type NoopResult } from './scenarios/noop.ts';
import { runNotified, type NotifiedResult } from './scenarios/notified.ts';
import { runOnPostgres } from './scenarios/on-postgres.ts';
import { runRest } from './scenarios/rest.ts';
import { describeScaling, runScaling, type ScalingPoint } from './scenarios/scaling.ts';

/**
 * Scenario 3 runs a second time with the heap flags docs/deploy.md recommends, to show what memory
 * it takes to hold garbage: a ceiling on the old generation, and a smaller young generation
 * (V8 gives each of its semi-spaces 16 MB on a machine this size; at 8 MB the peak was 187-198 MB
 * against 213-220 MB with the ceiling alone).
 */
const CAPPED_HEAP_MB = 160;
const CAPPED_SEMI_SPACE_MB = 8;
const CAPPED_FLAGS = [
  `--max-old-space-size=${CAPPED_HEAP_MB}`,
  `--max-semi-space-size=${CAPPED_SEMI_SPACE_MB}`,
];

const args = process.argv.slice(2);
const { isQuick, only, postgresScenarios, shouldRun, sizes, postgresSizes } = parseRunOptions(args);

// The ledger at size stands alone (bench/ledger.ts): a database of many rows, not the queues.
if (only?.includes('ledger')) {
  const { spawnSync } = await import('node:child_process');
  const ledgerArgs = args.filter((arg) => arg.startsWith('--runs='));
  const script = new URL('./ledger.ts', import.meta.url).pathname;
  const child = spawnSync(process.execPath, [...process.execArgv, script, ...ledgerArgs], {
    stdio: 'inherit',
  });
  process.exit(child.status ?? 1);
}
const suiteStartedAt = performance.now();
const say = (line: string) =>
  process.stderr.write(
    `bench: [${((performance.now() - suiteStartedAt) / 1000).toFixed(1).padStart(5)} s] ${line}\n`,
  );

/** Read once, before anything runs: the summary at the end says the same, not the load the bench made. */
const LOAD_AT_START = loadavg()
  .map((value) => value.toFixed(2))
  .join(' ');

function machine(): string {
  const model = cpus()[0]?.model ?? 'unknown CPU';
  return `${cpus().length} cores (${model}), Node ${process.version}, load average at start ${LOAD_AT_START}`;
}

async function main(): Promise<void> {
  const startedAt = performance.now();
  say(`${isQuick ? 'quick' : 'full'} run on ${machine()}`);
  const setup = await createBenchSetup();
  const rows: Row[] = [];
  const notes: string[] = [];
  let scaling: ScalingPoint[] = [];
  const versions = await serverVersions(setup);
  try {
    let noopRss: { herald: number; raw: number } | null = null;
    const redis: { noop: NoopResult | null; notified: NotifiedResult | null } = {
      noop: null,
      notified: null,
    };
    if (shouldRun('1')) {
      const { jobs, concurrency } = sizes.noop;
      say(`1: ${jobs} no-op tasks, concurrency ${concurrency}`);
      const result = await runNoop(setup, sizes.noop);
      assertLedger(result, '1');
      rows.push(...noopRows(result, '1'));
      noopRss = { herald: result.herald.peakRssMb, raw: result.raw.peakRssMb };
      notes.push(noopNote(result, '1'));
      redis.noop = result;
    }
    if (shouldRun('2')) {
      const { flows, children } = sizes.chords;
      say(`2: ${flows} chords of ${children}`);
      const result = await runChords(setup, sizes.chords);
      const perSecond = (side: typeof result.raw) => flows / (side.submitSeconds + side.drainSeconds);
      rows.push(
        ratioRow(
          `2 chords ${flows}×${children}, submit + run`,
          perSecond(result.herald),
          perSecond(result.raw),
          'flows/s',
          0.6,
        ),
      );
      const split = (side: typeof result.raw) =>
        `submit ${rate(flows / side.submitSeconds, 'flows/s')}, run ${rate(flows / side.drainSeconds, 'flows/s')}`;
      notes.push(`2: Herald ${split(result.herald)}; raw ${split(result.raw)}.`);
    }
    let notifiedRss: number | null = null;
    let cappedNotifiedRss: number | null = null;
    if (shouldRun('3')) {
      const { tasks, ratePerSecond, latencySeconds } = sizes.notified;
      say(`3: ${tasks} notified tasks, then ${latencySeconds} s at ${ratePerSecond} tasks/s`);
      const result = await runNotified(setup, sizes.notified);
      rows.push(...notifiedRows(result));
      notes.push(
        `3: latency over ${result.latency.tasks} runs, max ${ms(result.latency.max)}; CPU per mail ` +
          `${result.cpuMsPerMail.worker.toFixed(2)} ms in the worker, ${result.cpuMsPerMail.sinkAndEnqueue.toFixed(2)} ms in the ` +
          `bench process (dev inbox + enqueue)${result.enqueue.failed ? `; ${result.enqueue.failed} paced enqueues gave up at the enqueue deadline` : ''}.`,
      );
      notifiedRss = result.peakRssMb;
      redis.notified = result;
    }
    // The same again under a V8 heap ceiling: most of the uncapped peak is garbage that V8, seeing
    // this machine's memory, has no reason to collect yet. Not when 3 runs only for the PostgreSQL rows.
    if (redis.notified && (!only || only.includes('3'))) {
      const result = redis.notified;
      say(`3 again: worker started with ${CAPPED_FLAGS.join(' ')}`);
      const capped = await runNotified(setup, { ...sizes.notified, nodeFlags: CAPPED_FLAGS });
      cappedNotifiedRss = capped.peakRssMb;
      notes.push(
        `7: with ${CAPPED_FLAGS.join(' ')}, scenario 3 ran at ${rate(capped.mailsPerSecond, 'mails/s')} ` +
          `(p99 ${ms(capped.latency.p99)}), worker CPU per mail ${capped.cpuMsPerMail.worker.toFixed(2)} ms against ` +
          `${result.cpuMsPerMail.worker.toFixed(2)} ms without a ceiling.`,
      );
    }
    if (shouldRun('4') || shouldRun('5')) {
      say('4, 5: rendering and sending (bench/email.ts)');
      const email = await runEmailBench({
        quick: isQuick,
        sizes: isQuick ? { mails: 60, naiveMails: 15, mjmlRenders: 10, fills: 1_000 } : {},
      });
      const { renderOnly } = email;
      if (shouldRun('4')) {
        rows.push({
          figure: '4 rendering, one mail',
          herald: ms(renderOnly.fillMsPerMail),
          baseline: `${ms(renderOnly.mjmlMsPerMail)} (mjml2html)`,
          ratio: renderOnly.ratio,
          target: '≥ 500×',
          met: renderOnly.ratio >= 500,
        });
      }
      const [naive, stock, herald] = email.paths;
      if (shouldRun('5') && stock && herald) {
        rows.push(
          ratioRow(
            `5 sending ×${email.mails}, ${email.inFlight} in flight`,
            herald.mailsPerSecond,
            stock.mailsPerSecond,
            'mails/s',
            0.8,
          ),
        );
        if (naive)
          notes.push(
            `5: the naive path (mjml2html + a new connection per mail) sent ${rate(naive.mailsPerSecond, 'mails/s')}.`,
          );
      }
    }
    if (shouldRun('6')) {
      say(`6: POST /api/tasks, ${sizes.restSeconds} s each`);
      const result = await runRest(setup, { durationSeconds: sizes.restSeconds });
      rows.push(
        ratioRow(
          '6 POST /api/tasks',
          result.herald.requestsPerSecond,
          result.bare.requestsPerSecond,
          'req/s',
          0.7,
        ),
      );
      notes.push(
        `6: ${result.connections} connections; p99 ${ms(result.herald.p99Ms)} (Herald) and ${ms(result.bare.p99Ms)} (bare); ` +
          `server CPU per request ${result.herald.cpuMsPerRequest.toFixed(2)} ms and ${result.bare.cpuMsPerRequest.toFixed(2)} ms; ` +
          `errors ${result.herald.errors} and ${result.bare.errors}.`,
      );
    }
    if (noopRss) {
      rows.push({
        figure: '7 worker peak RSS, scenario 1',
        herald: mb(noopRss.herald),
        baseline: `${mb(noopRss.raw)} (raw)`,
        ratio: null,
        target: '≤ 200 MB',
        met: noopRss.herald <= 200,
      });
    }
    if (notifiedRss !== null) {
      rows.push({
        figure: '7 worker peak RSS, scenario 3',
        herald: mb(notifiedRss),
        baseline: '—',
        ratio: null,
        target: '≤ 200 MB',
        met: notifiedRss <= 200,
      });
    }
    if (cappedNotifiedRss !== null) {
      rows.push({
        figure: `7 … heap capped (${CAPPED_HEAP_MB} MB old, ${CAPPED_SEMI_SPACE_MB} MB semi)`,
        herald: mb(cappedNotifiedRss),
        baseline: '—',
        ratio: null,
        target: '≤ 200 MB',
        met: cappedNotifiedRss <= 200,
      });
    }
    if (postgresScenarios.size) {
      const onPostgres = await runOnPostgres(setup, postgresSizes(), redis, say);
      rows.push(...onPostgres.rows);
      notes.push(...onPostgres.notes);
    }
    if (shouldRun('scaling')) {
      say(
        `scaling: ${sizes.scaling.jobs} no-op tasks on ${sizes.scaling.counts.join(', ')} worker processes`,
      );
      scaling = await runScaling(setup, sizes.scaling);
    }
  } finally {
    await setup.close();
  }

  const wall = (performance.now() - startedAt) / 1000;
  const output = [
    '',
    formatTable(rows),
    '',
    ...notes,
    ...(scaling.length
      ? [
          '',
          `Scaling (scenario 1, ${sizes.scaling.jobs} jobs, concurrency ${sizes.scaling.concurrency} per process):`,
          ...describeScaling(scaling),
        ]
      : []),
    '',
    `${isQuick ? 'quick' : 'full'} run, ${wall.toFixed(1)} s wall, on ${machine()}`,
  ];
  process.stdout.write(`${output.join('\n')}\n`);
  if (args.includes('--write-results')) {
    await writeResults({ rows, notes, scaling, wall, versions, isQuick, loadAtStart: LOAD_AT_START });
    say('wrote bench/RESULTS.md');
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});

/**
 * Herald's benchmark suite: every scenario against its baseline, in one process run.
 *
 *   pnpm bench            # full sizes, a few minutes
 *   pnpm bench:quick      # smaller sizes, under a minute
 *   tsx bench/run.ts [--quick] [--only=1,3,scaling] [--write-results]
 *   tsx bench/run.ts --only=ledger [--runs=200000]   (bench/ledger.ts)
 *
 * Needs REDIS_URL and DATABASE_URL (a server the bench may create a database on); it uses a
 * Redis key prefix and a database of its own and removes both at the end.
 * --write-results rewrites bench/RESULTS.md with this run's table.
 */
import { writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { runEmailBench } from './email.ts';
import { createBenchSetup } from './lib/setup.ts';
import { formatMarkdown, formatTable, mb, ms, rate, type Row } from './lib/table.ts';
import { runChords } from './scenarios/chord.ts';
import { runNoop } from './scenarios/noop.ts';
import { runNotified } from './scenarios/notified.ts';
import { runRest } from './scenarios/rest.ts';
import { runScaling, type ScalingPoint } from './scenarios/scaling.ts';

const SIZES = {
  full: {
    noop: { jobs: 20_000, concurrency: 50 },
    chords: { flows: 500, children: 10, concurrency: 50 },
    notified: { tasks: 5_000, latencySeconds: 20, ratePerSecond: 100, concurrency: 50 },
    restSeconds: 10,
    scaling: { jobs: 20_000, concurrency: 50, counts: [1, 2, 4] },
  },
  quick: {
    noop: { jobs: 3_000, concurrency: 50 },
    chords: { flows: 40, children: 10, concurrency: 50 },
    notified: { tasks: 150, latencySeconds: 2, ratePerSecond: 100, concurrency: 50 },
    restSeconds: 1.5,
    scaling: { jobs: 1_500, concurrency: 50, counts: [1, 2, 4] },
  },
};

/**
 * Scenario 3 runs a second time with the heap flags docs/deploy.md recommends, to show what memory
 * it takes to hold garbage: a ceiling on the old generation, and a smaller young generation
 * (V8 gives each of its semi-spaces 16 MB on a machine this size; at 8 MB the peak was 187-198 MB
 * against 213-220 MB with the ceiling alone).
 */
const CAPPED_HEAP_MB = 160;
const CAPPED_SEMI_SPACE_MB = 8;
const CAPPED_FLAGS = [`--max-old-space-size=${CAPPED_HEAP_MB}`, `--max-semi-space-size=${CAPPED_SEMI_SPACE_MB}`];

const args = process.argv.slice(2);
const isQuick = args.includes('--quick');
const only = args.find((arg) => arg.startsWith('--only='))?.slice('--only='.length).split(',');
const shouldRun = (scenario: string) => !only || only.includes(scenario);

// The ledger at size stands alone (bench/ledger.ts): a database of many rows, not the queues.
if (only?.includes('ledger')) {
  const { spawnSync } = await import('node:child_process');
  const ledgerArgs = args.filter((arg) => arg.startsWith('--runs='));
  const script = new URL('./ledger.ts', import.meta.url).pathname;
  const child = spawnSync(process.execPath, [...process.execArgv, script, ...ledgerArgs], { stdio: 'inherit' });
  process.exit(child.status ?? 1);
}
const sizes = isQuick ? SIZES.quick : SIZES.full;
const suiteStartedAt = performance.now();
const say = (line: string) =>
  process.stderr.write(`bench: [${((performance.now() - suiteStartedAt) / 1000).toFixed(1).padStart(5)} s] ${line}\n`);

const ratioRow = (figure: string, herald: number, baseline: number, unit: string, minRatio: number): Row => ({
  figure,
  herald: rate(herald, unit),
  baseline: rate(baseline, unit),
  ratio: herald / baseline,
  target: `≥ ${minRatio}`,
  met: herald / baseline >= minRatio,
});

function machine(): string {
  const model = cpus()[0]?.model ?? 'unknown CPU';
  return `${cpus().length} cores (${model}), Node ${process.version}, load average at start ${loadavg()
    .map((value) => value.toFixed(2))
    .join(' ')}`;
}

function describeScaling(points: ScalingPoint[]): string[] {
  const cores = (value: number) => (Number.isFinite(value) ? value.toFixed(2) : '?');
  const lines = points.map(
    ({ processes, jobsPerSecond, cores: used }) =>
      `  ${String(processes).padStart(2)} process${processes === 1 ? ' ' : 'es'}  ${rate(jobsPerSecond, 'jobs/s').padStart(13)}` +
      `   cores busy: workers ${cores(used.workers)}, PostgreSQL ${cores(used.postgres)}, Redis ${cores(used.redis)}, ` +
      `anything else ${cores(used.machine - used.workers - used.postgres - used.redis)}; machine ${cores(used.machine)} of ${cpus().length}`,
  );
  const one = points[0]!;
  const best = points.reduce((a, b) => (b.jobsPerSecond > a.jobsPerSecond ? b : a), one);
  const busiest = points.reduce((a, b) => (b.cores.machine > a.cores.machine ? b : a), one);
  lines.push(
    `  Best: ${best.processes} process${best.processes === 1 ? '' : 'es'}, ${(best.jobsPerSecond / one.jobsPerSecond).toFixed(2)}× one process. ` +
      `The curve flattens where the machine runs out of cores (${cores(busiest.cores.machine)} of ${cpus().length} busy): ` +
      'every run is a BullMQ job move in Redis (single-threaded) plus its share of a ledger statement and WAL flush ' +
      'in PostgreSQL, on the same two cores as the workers (and as anything else running), so another worker process ' +
      'only splits the same CPU into smaller ledger batches and more context switches. With cores to spare, a ' +
      "process's throughput is bounded by its concurrency over the time a job waits for its ledger commit.",
  );
  return lines;
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
    if (shouldRun('1')) {
      const { jobs, concurrency } = sizes.noop;
      say(`1: ${jobs} no-op tasks, concurrency ${concurrency}`);
      const result = await runNoop(setup, sizes.noop);
      if (result.ledgerSucceeded !== jobs) throw new Error(`scenario 1: the ledger holds ${result.ledgerSucceeded} succeeded runs of ${jobs}`);
      if (result.ledgerBadTimes) throw new Error(`scenario 1: ${result.ledgerBadTimes} runs have no start or end before their start`);
      const endToEnd = (side: typeof result.raw) => jobs / (side.enqueueSeconds + side.drainSeconds);
      rows.push(ratioRow(`1 no-op tasks ×${jobs}, enqueue + run`, endToEnd(result.herald), endToEnd(result.raw), 'jobs/s', 0.6));
      rows.push(ratioRow(`1 no-op tasks ×${jobs}, worker only`, jobs / result.herald.drainSeconds, jobs / result.raw.drainSeconds, 'jobs/s', 0.6));
      rows.push({
        figure: `1 no-op tasks, bulk enqueue`,
        herald: rate(jobs / result.herald.enqueueSeconds, 'jobs/s'),
        baseline: rate(jobs / result.raw.enqueueSeconds, 'jobs/s'),
        ratio: result.raw.enqueueSeconds / result.herald.enqueueSeconds,
        target: '—',
        met: null,
      });
      noopRss = { herald: result.herald.peakRssMb, raw: result.raw.peakRssMb };
      const busy = (side: typeof result.raw) => {
        const workers = side.cpuMs / 1000 / side.drainSeconds;
        const { machine, postgres, redis } = side.cores;
        return `worker ${workers.toFixed(2)}, PostgreSQL ${postgres.toFixed(2)}, Redis ${redis.toFixed(2)}, anything else ${(machine - workers - postgres - redis).toFixed(2)}`;
      };
      notes.push(
        `1: worker CPU per job ${((result.herald.cpuMs / jobs) * 1000).toFixed(0)} µs (Herald) and ` +
          `${((result.raw.cpuMs / jobs) * 1000).toFixed(0)} µs (raw); Herald wrote ${result.ledgerStatements} ledger transactions ` +
          `for ${jobs} runs. Cores busy while draining: Herald ${busy(result.herald)}; raw ${busy(result.raw)}.`,
      );
    }
    if (shouldRun('2')) {
      const { flows, children } = sizes.chords;
      say(`2: ${flows} chords of ${children}`);
      const result = await runChords(setup, sizes.chords);
      const perSecond = (side: typeof result.raw) => flows / (side.submitSeconds + side.drainSeconds);
      rows.push(ratioRow(`2 chords ${flows}×${children}, submit + run`, perSecond(result.herald), perSecond(result.raw), 'flows/s', 0.6));
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
      rows.push({
        figure: `3 notified tasks ×${tasks}, end to end`,
        herald: rate(result.mailsPerSecond, 'mails/s'),
        baseline: `${rate(result.sinkMailsPerSecond, 'mails/s')} (sink)`,
        ratio: result.mailsPerSecond / result.sinkMailsPerSecond,
        target: '≥ 800 mails/s',
        met: result.mailsPerSecond >= 800,
      });
      for (const [name, value, target] of [
        ['p50', result.latency.p50, null],
        ['p99', result.latency.p99, 250],
      ] as const) {
        rows.push({
          figure: `3 task end → SMTP accepted ${name}, ${ratePerSecond}/s`,
          herald: ms(value),
          baseline: '—',
          ratio: null,
          target: target === null ? '—' : `≤ ${target} ms`,
          met: target === null ? null : value <= target,
        });
      }
      notes.push(
        `3: latency over ${result.latency.tasks} runs, max ${ms(result.latency.max)}; CPU per mail ` +
          `${result.cpuMsPerMail.worker.toFixed(2)} ms in the worker, ${result.cpuMsPerMail.sinkAndEnqueue.toFixed(2)} ms in the ` +
          'bench process (dev inbox + enqueue).',
      );
      notifiedRss = result.peakRssMb;

      // The same again under a V8 heap ceiling: most of the uncapped peak is garbage that V8, seeing
      // this machine's memory, has no reason to collect yet.
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
      const email = await runEmailBench({ quick: isQuick, sizes: isQuick ? { mails: 60, naiveMails: 15, mjmlRenders: 10, fills: 1_000 } : {} });
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
        rows.push(ratioRow(`5 sending ×${email.mails}, ${email.inFlight} in flight`, herald.mailsPerSecond, stock.mailsPerSecond, 'mails/s', 0.8));
        if (naive) notes.push(`5: the naive path (mjml2html + a new connection per mail) sent ${rate(naive.mailsPerSecond, 'mails/s')}.`);
      }
    }
    if (shouldRun('6')) {
      say(`6: POST /api/tasks, ${sizes.restSeconds} s each`);
      const result = await runRest(setup, { durationSeconds: sizes.restSeconds });
      rows.push(ratioRow('6 POST /api/tasks', result.herald.requestsPerSecond, result.bare.requestsPerSecond, 'req/s', 0.7));
      notes.push(
        `6: ${result.connections} connections; p99 ${ms(result.herald.p99Ms)} (Herald) and ${ms(result.bare.p99Ms)} (bare); ` +
          `server CPU per request ${result.herald.cpuMsPerRequest.toFixed(2)} ms and ${result.bare.cpuMsPerRequest.toFixed(2)} ms; ` +
          `errors ${result.herald.errors} and ${result.bare.errors}.`,
      );
    }
    if (noopRss) {
      rows.push({ figure: '7 worker peak RSS, scenario 1', herald: mb(noopRss.herald), baseline: `${mb(noopRss.raw)} (raw)`, ratio: null, target: '≤ 200 MB', met: noopRss.herald <= 200 });
    }
    if (notifiedRss !== null) {
      rows.push({ figure: '7 worker peak RSS, scenario 3', herald: mb(notifiedRss), baseline: '—', ratio: null, target: '≤ 200 MB', met: notifiedRss <= 200 });
    }
    if (cappedNotifiedRss !== null) {
      rows.push({ figure: `7 … heap capped (${CAPPED_HEAP_MB} MB old, ${CAPPED_SEMI_SPACE_MB} MB semi)`, herald: mb(cappedNotifiedRss), baseline: '—', ratio: null, target: '≤ 200 MB', met: cappedNotifiedRss <= 200 });
    }
    if (shouldRun('scaling')) {
      say(`scaling: ${sizes.scaling.jobs} no-op tasks on ${sizes.scaling.counts.join(', ')} worker processes`);
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
    ...(scaling.length ? ['', `Scaling (scenario 1, ${sizes.scaling.jobs} jobs, concurrency ${sizes.scaling.concurrency} per process):`, ...describeScaling(scaling)] : []),
    '',
    `${isQuick ? 'quick' : 'full'} run, ${wall.toFixed(1)} s wall, on ${machine()}`,
  ];
  process.stdout.write(`${output.join('\n')}\n`);
  if (args.includes('--write-results')) await writeResults(rows, notes, scaling, wall, versions);
}

async function serverVersions(setup: Awaited<ReturnType<typeof createBenchSetup>>): Promise<string> {
  const { rows } = await setup.testDb.db.pool.query<{ server_version: string }>('SHOW server_version');
  const redis = /redis_version:(\S+)/.exec(await setup.redis.info('server'))?.[1];
  return `PostgreSQL ${rows[0]?.server_version.split(' ')[0] ?? '?'} and Redis ${redis ?? '?'}`;
}

async function writeResults(rows: Row[], notes: string[], scaling: ScalingPoint[], wall: number, versions: string): Promise<void> {
  const { readFile } = await import('node:fs/promises');
  const { totalmem } = await import('node:os');
  const cpuModel = (await readFile('/proc/cpuinfo', 'utf8').catch(() => '')).match(/model name\s*:\s*(.*)/)?.[1] ?? cpus()[0]?.model;
  const text = [
    '# Benchmark results',
    '',
    `Latest ${isQuick ? 'quick' : 'full'} run (\`pnpm bench${isQuick ? ':quick' : ''}\`, ${wall.toFixed(0)} s), ${new Date().toISOString().slice(0, 10)}. ` +
      'Each row runs Herald and its baseline in the same process run; ✓/✗ says whether the target is met.',
    '',
    formatMarkdown(rows),
    '',
    ...notes.map((note) => `- ${note}`),
    ...(scaling.length ? ['', '## Scaling', '', '```', ...describeScaling(scaling), '```'] : []),
    '',
    '## Machine',
    '',
    `- ${cpus().length} cores (\`nproc\`), ${cpuModel} (\`/proc/cpuinfo\`), ${Math.round(totalmem() / 2 ** 30)} GB`,
    `- Node ${process.version}; ${versions} on the same machine; bench, workers and servers as separate processes`,
    `- Load average at the start: ${loadavg().map((value) => value.toFixed(2)).join(' ')}. The machine was shared: the`,
    '  "anything else" cores in the notes were used by other processes than Herald, PostgreSQL and Redis.',
    '',
    '## How to reproduce',
    '',
    '```sh',
    'pnpm bench            # this table; pnpm bench:quick for a smaller run',
    '# with your own servers:',
    'REDIS_URL=redis://127.0.0.1:6379 DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres \\',
    '  npx pnpm@10.34.9 exec tsx bench/run.ts --write-results',
    '```',
    '',
    'See bench/README.md for what each figure measures and how to profile a scenario.',
    '',
  ].join('\n');
  await writeFile(new URL('./RESULTS.md', import.meta.url), text);
  say('wrote bench/RESULTS.md');
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});

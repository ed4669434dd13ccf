/** bench/RESULTS.md, written from a run's table (`--write-results`), and what it says about the machine. */
import { readFile, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { describeScaling, type ScalingPoint } from '../scenarios/scaling.ts';
import type { BenchSetup } from './setup.ts';
import { formatMarkdown, type Row } from './table.ts';

/** The PostgreSQL and Redis the bench ran on, for the results' machine section. */
export async function serverVersions(setup: BenchSetup): Promise<string> {
  const { rows } = await setup.testDb.db.pool.query<{ server_version: string }>('SHOW server_version');
  const redis = /redis_version:(\S+)/.exec(await setup.redis.info('server'))?.[1];
  return `PostgreSQL ${rows[0]?.server_version.split(' ')[0] ?? '?'} and Redis ${redis ?? '?'}`;
}

export interface RunRecord {
  rows: Row[];
  notes: string[];
  scaling: ScalingPoint[];
  /** Seconds the run took. */
  wall: number;
  /** The servers' versions (serverVersions). */
  versions: string;
  isQuick: boolean;
  loadAtStart: string;
}

/** Rewrites bench/RESULTS.md with this run's table, notes and machine (`--write-results`). */
export async function writeResults({
  rows,
  notes,
  scaling,
  wall,
  versions,
  isQuick,
  loadAtStart,
}: RunRecord): Promise<void> {
  const cpuModel =
    (await readFile('/proc/cpuinfo', 'utf8').catch(() => '')).match(/model name\s*:\s*(.*)/)?.[1] ??
    cpus()[0]?.model;
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
    `- Load average at the start: ${loadAtStart}. The machine was shared: the`,
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
  await writeFile(new URL('../RESULTS.md', import.meta.url), text);
}

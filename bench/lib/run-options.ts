/** What `bench/run.ts` is asked to run, read from its command line: which scenarios, at which sizes. */
import type { PostgresSizes } from '../scenarios/on-postgres.ts';

const SIZES = {
  full: {
    noop: { jobs: 20_000, concurrency: 50 },
    chords: { flows: 500, children: 10, concurrency: 50 },
    notified: { tasks: 5_000, latencySeconds: 20, ratePerSecond: 100, concurrency: 50 },
    restSeconds: 10,
    scaling: { jobs: 20_000, concurrency: 50, counts: [1, 2, 4] },
    // Smaller than on Redis: the PostgreSQL backend runs a few times slower, and rates, not totals, are compared.
    postgres: {
      noop: { jobs: 10_000, concurrency: 50 },
      notified: { tasks: 2_000, latencySeconds: 20, ratePerSecond: 100, concurrency: 50 },
    },
  },
  quick: {
    noop: { jobs: 3_000, concurrency: 50 },
    chords: { flows: 40, children: 10, concurrency: 50 },
    notified: { tasks: 150, latencySeconds: 2, ratePerSecond: 100, concurrency: 50 },
    restSeconds: 1.5,
    scaling: { jobs: 1_500, concurrency: 50, counts: [1, 2, 4] },
    postgres: {
      noop: { jobs: 1_000, concurrency: 50 },
      notified: { tasks: 150, latencySeconds: 2, ratePerSecond: 100, concurrency: 50 },
    },
  },
};

/** `--quick`, `--only=1,3,scaling,postgres` (see bench/run.ts), read from `args`. */
export function parseRunOptions(args: string[]) {
  const isQuick = args.includes('--quick');
  const only = args
    .find((arg) => arg.startsWith('--only='))
    ?.slice('--only='.length)
    .split(',');
  /** Scenarios with PostgreSQL-backend rows: 1 and 3 in a full run; with --only, those `postgres` names. */
  const postgresScenarios = ((): Set<string> => {
    const both = ['1', '3'];
    if (!only) return new Set(both);
    if (!only.includes('postgres')) return new Set();
    const named = both.filter((scenario) => only.includes(scenario));
    return new Set(named.length ? named : both);
  })();
  // A scenario with PostgreSQL rows runs on Redis too: those rows are read against it.
  const shouldRun = (scenario: string) => !only || only.includes(scenario) || postgresScenarios.has(scenario);
  const sizes = isQuick ? SIZES.quick : SIZES.full;
  /** The PostgreSQL-backend scenarios this run includes, at this run's sizes. */
  const postgresSizes = (): PostgresSizes => ({
    noop: postgresScenarios.has('1') ? sizes.postgres.noop : undefined,
    notified: postgresScenarios.has('3') ? sizes.postgres.notified : undefined,
  });
  return { isQuick, only, postgresScenarios, shouldRun, sizes, postgresSizes };
}

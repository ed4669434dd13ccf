// The full reliability run: `tsx tests/reliability/run-full.ts` (pnpm reliability).
// Runs every scenario at full size, one after the other, prints the table and writes it to
// tests/reliability/RESULTS.md. Exit code 1 when any scenario lost, doubled, crashed, leaked or
// answered 5xx.
//   --only crash,smtp,...   run some scenarios (names below)
//   --quick                 the CI sizes (no RESULTS.md unless --write)
// RELIABILITY_SEED=<n> replays the hostile-input scenario's fast-check run (its notes print the seed);
// RELIABILITY_DUMP=<file> writes every problem that scenario found.
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runGracefulShutdown } from './scenarios/graceful-shutdown';
import { runHostileInput } from './scenarios/hostile-input';
import { runPostgresOutage } from './scenarios/postgres-outage';
import { runRedisClusterFailover } from './scenarios/redis-cluster-failover';
import { runRedisRestart } from './scenarios/redis-restart';
import { runSecurityReview } from './scenarios/security';
import { runSmtpOutage } from './scenarios/smtp-outage';
import { runWorkerCrash } from './scenarios/worker-crash';
import { emptyResult, formatDetails, formatTable, isClean, type ScenarioResult } from './support/result';
import { FULL, QUICK, type Sizes } from './support/sizes';
import { closeOpenWorlds } from './support/world';

const SCENARIOS: Record<string, (sizes: Sizes) => Promise<ScenarioResult[]>> = {
  crash: async (sizes) => [await runWorkerCrash(sizes.crash)],
  smtp: async (sizes) => [await runSmtpOutage(sizes.smtp)],
  postgres: async (sizes) => [await runPostgresOutage(sizes.postgres)],
  redis: async (sizes) => [await runRedisRestart(sizes.redis)],
  cluster: async () => [await runRedisClusterFailover()],
  shutdown: async (sizes) => runGracefulShutdown(sizes.shutdown),
  hostile: async (sizes) => [await runHostileInput(sizes.hostile)],
  security: async () => [await runSecurityReview()],
};

const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    quick: { type: 'boolean', default: false },
    write: { type: 'boolean' },
  },
});
const names = values.only ? values.only.split(',').map((name) => name.trim()) : Object.keys(SCENARIOS);
const unknown = names.filter((name) => !SCENARIOS[name]);
if (unknown.length) {
  console.error(`unknown scenario(s): ${unknown.join(', ')}; known: ${Object.keys(SCENARIOS).join(', ')}`);
  process.exit(2);
}
const sizes = values.quick ? QUICK : FULL;
const shouldWrite = values.write ?? (!values.quick && !values.only);

// Interrupted (Ctrl-C): the databases, Redis keys and processes of the scenario under way go too.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`\n${signal}: cleaning up`);
    const force = setTimeout(() => process.exit(130), 30_000);
    void closeOpenWorlds().finally(() => {
      clearTimeout(force);
      process.exit(130);
    });
  });
}

const results: ScenarioResult[] = [];
const startedAt = Date.now();
for (const name of names) {
  console.log(`\n== ${name} ...`);
  try {
    for (const result of await SCENARIOS[name]!(sizes)) {
      results.push(result);
      console.log(formatTable([result]));
      for (const failure of result.failures) console.log(`  FAILED: ${failure}`);
    }
  } catch (error) {
    const result = emptyResult(name);
    result.failures.push(`the scenario itself failed: ${(error as Error).stack ?? String(error)}`);
    results.push(result);
    console.log(`  FAILED: ${result.failures[0]}`);
  }
}

const table = formatTable(results);
console.log(`\n${table}\n`);
const totalMinutes = ((Date.now() - startedAt) / 60_000).toFixed(1);
if (shouldWrite) {
  const report = `# Herald reliability results

Written by \`tsx tests/reliability/run-full.ts\` (\`pnpm reliability\`) on ${new Date().toISOString().slice(0, 10)},
${os.cpus().length} CPU cores, Node ${process.versions.node}; ${values.quick ? 'quick' : 'full'} sizes; ${totalMinutes} min in all.
Every Herald process ran from its production entry point (\`node --import tsx apps/{api,worker}/src/main.ts\`)
against PostgreSQL, Redis and an SMTP sink; outages were made with a TCP proxy, a Redis of the run's own
and the sink's refuse/stop switch. The quick form of each scenario runs in CI: \`vitest run tests/reliability\`.

- **lost**: a run the API accepted (202) that is missing from the ledger, never ended, or never got the mail it owed.
- **duplicated**: mails beyond one per run (ids compared: each mail names its run).
- **5xx**: answers >= 500 outside the contract; a 503 while PostgreSQL or Redis is down is the contract and is listed in the notes.
- **crashes**: Herald processes that exited without being told to.
- **cross-tenant leaks**: a response or mail carrying another organization's data, or a mail to anyone but the run's owner.

${table}

${formatDetails(results)}
`;
  const file = fileURLToPath(new URL('./RESULTS.md', import.meta.url));
  writeFileSync(file, report);
  console.log(`written to ${file}`);
}
process.exit(results.every(isClean) ? 0 : 1);

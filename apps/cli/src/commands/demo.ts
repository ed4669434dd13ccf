import { loadConfig } from '@herald/config';
import { applyMigrations, createDatabase, seedDemo, type MigrateResult } from '@herald/db';
import { migrateQueueStore } from '@herald/core';
import { startApi } from '@herald/api';
import { startWorkerApp } from '@herald/worker';
import { registry } from '@herald/tasks';
import type { Command, CommandContext } from '../cli/command';
import { resolveStack, type Stack } from '../stack/stack';
import { stopOnSignal } from '../stack/stop-on-signal';
import { runDemoTour } from './demo-tour';

const curlExamples = (url: string, token: string) => `Try it:
  export HERALD_TOKEN=${token}
  curl -s -X POST ${url}/api/tasks -H "Authorization: Bearer $HERALD_TOKEN" -H 'content-type: application/json' \\
    -d '{"task":"reports.build","input":{"report_name":"My report"}}'
  curl -s ${url}/api/tasks -H "Authorization: Bearer $HERALD_TOKEN"
API reference: ${url}/docs (the OpenAPI document: ${url}/api/openapi.json)`;

/** Step 1: Redis, PostgreSQL (database `herald`) and an SMTP sink, found or started. */
function startStack({ explicit, config, log }: CommandContext): Promise<Stack> {
  if (explicit.smtpHost && !config.smtp)
    log.warn(`${config.smtpProblem}: using the development inbox instead`);
  return resolveStack({
    queues: true,
    postgres: true,
    smtp: true,
    databaseName: 'herald',
    given: {
      queueBackend: explicit.queueBackend,
      redisUrl: explicit.redisUrl,
      databaseUrl: explicit.databaseUrl,
      smtp: explicit.smtpHost && config.smtp ? { host: config.smtp.host, port: config.smtp.port } : undefined,
    },
    log,
  });
}

/** Step 2: the schema, and the queues' schema when they are on PostgreSQL. */
async function migrate(databaseUrl: string, stack: Stack): Promise<MigrateResult> {
  const result = await applyMigrations(databaseUrl);
  if (stack.queueBackend?.kind === 'postgres') await migrateQueueStore(databaseUrl, 'herald');
  return result;
}

/** Step 3: demo organization, users and a fresh token. */
async function seed(databaseUrl: string) {
  const db = createDatabase({ url: databaseUrl, poolSize: 2 });
  try {
    return await seedDemo(db);
  } finally {
    await db.close();
  }
}

/** Step 4: Herald itself, the worker and the API, on the stack. */
async function startHerald(stack: Stack, context: CommandContext, port: number) {
  const config = loadConfig({
    ...stack.env,
    WORKER_HEALTH_PORT: '0',
    LOG_LEVEL: context.config.LOG_LEVEL === 'info' ? 'warn' : context.config.LOG_LEVEL,
    FRONTEND_URL: context.config.FRONTEND_URL,
    HERALD_SECRET: context.config.HERALD_SECRET,
  });
  // The CLI's logger writes to stderr: with --json, stdout carries the result and nothing else.
  const logger = context.log.child({ part: 'herald' }, { level: config.LOG_LEVEL });
  const worker = await startWorkerApp({ config, logger, registry });
  const api = await startApi({ config, logger, registry, port, host: '127.0.0.1' });
  return {
    url: api.url,
    async stop() {
      await api.close();
      await worker.close(2_000);
    },
  };
}

export const demoCommand: Command = {
  path: ['demo'],
  usage: 'herald demo [--serve] [--json]',
  summary:
    'find or start Redis (else put the queues on PostgreSQL), PostgreSQL and a development inbox, migrate, seed, start the API and worker, submit a task, a chord and a test e-mail, and show the mail; --serve keeps it all running',
  flags: { serve: { type: 'boolean' } },
  async run(args, context) {
    const { log } = context;
    const stack = await startStack(context);
    if (stack.queueBackend) log.info(`queues on ${stack.queueBackend.kind}: ${stack.queueBackend.reason}`);
    const release = stopOnSignal(() => stack.stop(), log);
    try {
      const databaseUrl = stack.postgres?.databaseUrl ?? '';
      const migrations = await migrate(databaseUrl, stack);
      log.info({ applied: migrations.applied.length }, 'migrations done');
      const seeded = await seed(databaseUrl);
      const serve = args.flags.serve === true;
      const herald = await startHerald(stack, context, serve ? context.config.PORT : 0);
      let tour: Awaited<ReturnType<typeof runDemoTour>>;
      try {
        tour = await runDemoTour({
          apiUrl: herald.url,
          token: seeded.token.token,
          inboxUrl: stack.smtp?.inboxUrl,
        });
        if (serve) {
          log.info(
            { api: herald.url, inbox: stack.smtp?.inboxUrl },
            'Herald is running; press Ctrl-C to stop',
          );
          process.stderr.write(`\n${curlExamples(herald.url, seeded.token.token)}\n`);
          process.stderr.write(
            `\nConsole: ${herald.url}/app (sign in as ${seeded.user.email}; the link arrives in the inbox${stack.smtp?.inboxUrl ? ` at ${stack.smtp.inboxUrl}` : ''})\n`,
          );
          await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
        }
      } finally {
        await herald.stop();
      }
      const services = stack.describe();
      const data = {
        queueBackend: stack.queueBackend,
        redisUrl: stack.redis?.url,
        databaseUrl,
        smtp: stack.smtp && { host: stack.smtp.host, port: stack.smtp.port },
        inboxUrl: stack.smtp?.inboxUrl ?? null,
        organizationId: seeded.organization.id,
        userId: seeded.user.id,
        systemUserId: seeded.systemUser.id,
        token: seeded.token.token,
        migrations,
        services,
        runs: tour.runs,
        mails: tour.mails,
      };
      const text = [
        'Herald demo',
        ...services.map((line) => `  ${line}`),
        `  migrations: ${migrations.applied.length} applied, ${migrations.alreadyApplied.length} already there`,
        `  organization ${seeded.organization.name} (${seeded.organization.id})`,
        `  user ${seeded.user.name} <${seeded.user.email}> (${seeded.user.id})`,
        `  API token (shown once): ${seeded.token.token}`,
        'Submitted over the REST API:',
        ...tour.lines,
        'Stopped the services the demo started. Run `npm run demo -- --serve` to keep Herald running and try the API.',
      ].join('\n');
      return { data, text };
    } finally {
      release();
      await stack.stop();
    }
  },
};

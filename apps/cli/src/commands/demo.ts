import { applyMigrations, createDatabase, seedDemo, type MigrateResult } from '@herald/db';
import type { Command, CommandContext } from '../cli/command';
import { resolveStack, type Stack } from '../stack/stack';
import { stopOnSignal } from '../stack/stop-on-signal';

/** Step 1: Redis, PostgreSQL (database `herald`) and an SMTP sink, found or started. */
function startStack({ explicit, config, log }: CommandContext): Promise<Stack> {
  if (explicit.smtpHost && !config.smtp)
    log.warn(`${config.smtpProblem}: using the development inbox instead`);
  return resolveStack({
    redis: true,
    postgres: true,
    smtp: true,
    databaseName: 'herald',
    given: {
      redisUrl: explicit.redisUrl,
      databaseUrl: explicit.databaseUrl,
      smtp: explicit.smtpHost && config.smtp ? { host: config.smtp.host, port: config.smtp.port } : undefined,
    },
    log,
  });
}

/** Step 2: the schema. */
function migrate(databaseUrl: string): Promise<MigrateResult> {
  return applyMigrations(databaseUrl);
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

// Next steps, once the API and worker apps exist: start them on `stack.env`, submit a few
// tasks (one with an e-mail, one chord) with the demo token, and wait for the mail in the inbox.

export const demoCommand: Command = {
  path: ['demo'],
  usage: 'herald demo [--json]',
  summary: 'find or start Redis, PostgreSQL and a development inbox, migrate, seed, print how to reach them',
  flags: {},
  async run(_args, context) {
    const { log } = context;
    const stack = await startStack(context);
    const release = stopOnSignal(() => stack.stop(), log);
    try {
      const databaseUrl = stack.postgres?.databaseUrl ?? '';
      const migrations = await migrate(databaseUrl);
      log.info({ applied: migrations.applied.length }, 'migrations done');
      const seeded = await seed(databaseUrl);
      const services = stack.describe();
      const data = {
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
      };
      const text = [
        'Herald demo',
        ...services.map((line) => `  ${line}`),
        `  migrations: ${migrations.applied.length} applied, ${migrations.alreadyApplied.length} already there`,
        `  organization ${seeded.organization.name} (${seeded.organization.id})`,
        `  user ${seeded.user.name} <${seeded.user.email}> (${seeded.user.id})`,
        `  API token (shown once): ${seeded.token.token}`,
        'Stopped the services the demo started.',
      ].join('\n');
      return { data, text };
    } finally {
      release();
      await stack.stop();
    }
  },
};

import { applyMigrations, createDatabaseIfMissing } from '@herald/db';
import { migrateQueues } from '@herald/core';
import type { Command } from '../cli/command';

export const migrateCommand: Command = {
  path: ['migrate'],
  usage: 'herald migrate [--json]',
  summary:
    "apply prisma/migrations to DATABASE_URL (creates the database if missing) and, with queues on PostgreSQL, BullMQ's queue migrations; idempotent",
  flags: {},
  async run(_args, { config, log }) {
    const databaseCreated = await createDatabaseIfMissing(config.DATABASE_URL);
    if (databaseCreated)
      log.info({ database: new URL(config.DATABASE_URL).pathname.slice(1) }, 'created database');
    const result = await applyMigrations(config.DATABASE_URL);
    log.info(
      { applied: result.applied.length, alreadyApplied: result.alreadyApplied.length },
      'migrations done',
    );
    const queues = await migrateQueues(config);
    log.info(
      { queueBackend: queues.choice.kind },
      `queues on ${queues.choice.kind} (${queues.choice.reason})`,
    );
    const lines = [
      result.applied.length
        ? `Applied ${result.applied.length} migration(s): ${result.applied.join(', ')}`
        : `Database is up to date (${result.alreadyApplied.length} migration(s) already applied)`,
    ];
    if (queues.schema)
      lines.push(
        `Queues on PostgreSQL in schema ${queues.schema}: ${queues.applied ?? 0} queue migration(s) applied`,
      );
    return { data: { databaseCreated, ...result, queues }, text: lines.join('\n') };
  },
};

import { applyMigrations, createDatabaseIfMissing } from '@herald/db';
import type { Command } from '../cli/command';

export const migrateCommand: Command = {
  path: ['migrate'],
  usage: 'herald migrate [--json]',
  summary: 'apply prisma/migrations to DATABASE_URL (creates the database if missing; idempotent)',
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
    const text = result.applied.length
      ? `Applied ${result.applied.length} migration(s): ${result.applied.join(', ')}`
      : `Database is up to date (${result.alreadyApplied.length} migration(s) already applied)`;
    return { data: { databaseCreated, ...result }, text };
  },
};

import type { Config } from '@herald/config';
import { createDatabase, type Database } from '@herald/db';
import type { ArgsSpec, ParsedArgs } from './args';
import type { Logger } from './logger';

/** Settings the user set explicitly; unset ones may be resolved to a local dev stack. */
export interface ExplicitSettings {
  redisUrl?: string;
  queueBackend?: 'redis' | 'postgres';
  databaseUrl?: string;
  smtpHost?: string;
}

export interface CommandContext {
  config: Config;
  explicit: ExplicitSettings;
  log: Logger;
  json: boolean;
}

export interface CommandResult {
  /** Printed as one JSON object with --json. */
  data: Record<string, unknown>;
  /** Printed otherwise. */
  text: string;
  exitCode?: number;
}

export interface Command extends Omit<ArgsSpec, 'commandName'> {
  /** The words that select it, e.g. ['org', 'create']. */
  path: string[];
  usage: string;
  summary: string;
  /** False for a command that reads no setting: it then runs whatever the environment holds. */
  readsConfig?: boolean;
  run(args: ParsedArgs, context: CommandContext): Promise<CommandResult>;
}

export function commandName(command: Pick<Command, 'path'>): string {
  return `herald ${command.path.join(' ')}`;
}

/** Opens the configured database for the length of fn. */
export async function withDatabase<T>(context: CommandContext, fn: (db: Database) => Promise<T>): Promise<T> {
  const db = createDatabase({ url: context.config.DATABASE_URL, poolSize: 2 });
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

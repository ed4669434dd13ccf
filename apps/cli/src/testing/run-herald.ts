import { execFile } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from '../stack/state-dir';

export interface HeraldRun {
  code: number;
  stdout: string;
  stderr: string;
}

const MAIN = path.join(REPO_ROOT, 'apps/cli/src/main.ts');

/** Runs the herald CLI as a user would, in a child process, with extra environment variables. */
export function runHerald(args: string[], env: Record<string, string | undefined> = {}): Promise<HeraldRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', MAIN, ...args],
      { cwd: REPO_ROOT, env: { ...process.env, ...env }, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** stdout as the one JSON object --json promises: fails on anything more or less. */
export function parseOneJson(stdout: string): Record<string, unknown> {
  const lines = stdout.trim().split('\n');
  if (lines.length !== 1)
    throw new Error(`expected one line of JSON on stdout, got ${lines.length}: ${stdout}`);
  const value: unknown = JSON.parse(lines[0] ?? '');
  if (!value || typeof value !== 'object' || Array.isArray(value))
    throw new Error(`expected a JSON object, got ${stdout}`);
  return value as Record<string, unknown>;
}

/** The parent's side of bench/worker-child.ts: spawn, wait until ready, start, follow, stop. */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { buildWorkspace } from '../../scripts/build.mjs';
import type { BenchBackend, RawPostgresConnection } from './queue-backend.ts';

export type ChildKind = 'herald-tasks' | 'herald-app' | 'raw-noop' | 'raw-chord' | 'herald-api' | 'bare-api';

export interface ChildSpec {
  kind: ChildKind;
  prefix: string;
  redisUrl: string;
  databaseUrl?: string;
  concurrency?: number;
  notificationConcurrency?: number;
  smtpPort?: number;
  smtpPoolSize?: number;
  queue?: string;
  /** Where the queues live: Redis (the default) or BullMQ's PostgreSQL backend on databaseUrl. */
  queueBackend?: BenchBackend;
  /** A raw worker's BullMQ connection on PostgreSQL, as the parent built it (rawPostgresConnection). */
  postgresConnection?: RawPostgresConnection;
  /** Extra node flags for the child, e.g. a V8 heap ceiling. */
  nodeFlags?: string[];
}

export type ChildMessage =
  | { type: 'ready'; port?: number }
  | { type: 'started' }
  | { type: 'progress'; completed: Record<string, number> }
  | { type: 'stopped'; peakRssMb: number; completed: Record<string, number>; cpuMs: number }
  | { type: 'paused'; peakRssMb: number; completed: Record<string, number>; cpuMs: number };

export type ParentMessage = { type: 'go'; prefix?: string } | { type: 'pause' } | { type: 'stop' };

export interface BenchChild {
  port: number | undefined;
  /** Completed jobs by name, as last reported. */
  completed: Record<string, number>;
  /** Starts the workers (on another prefix than the spec's for a later round); resolves once they are created. */
  go(prefix?: string): Promise<void>;
  /** herald-tasks only: stops the workers, keeps the process for another go(); counts start again from 0. */
  pause(): Promise<{ peakRssMb: number; cpuMs: number }>;
  /** Resolves when the count of `name` reaches `count` (sum over names when name is omitted). */
  waitFor(count: number, name?: string, timeoutMs?: number): Promise<void>;
  stop(): Promise<{ peakRssMb: number; cpuMs: number }>;
}

/**
 * Children run Herald as production does: the JavaScript `pnpm build` writes, under
 * `node --conditions=herald-compiled`. BENCH_RUNTIME=tsx runs the TypeScript sources through the
 * tsx loader instead (as tests and `pnpm herald` do), to compare.
 */
const RUNS_SOURCES = process.env.BENCH_RUNTIME === 'tsx';
const CHILD_ENTRY = fileURLToPath(
  new URL(RUNS_SOURCES ? '../worker-child.ts' : '../dist/worker-child.js', import.meta.url),
);

/** BENCH_CPU_PROF=<dir> writes a --cpu-prof profile of every child into that folder. */
function execArgv(spec: ChildSpec): string[] {
  const profileDir = process.env.BENCH_CPU_PROF;
  return [
    ...(RUNS_SOURCES ? ['--import', 'tsx'] : ['--conditions=herald-compiled']),
    ...(spec.nodeFlags ?? []),
    // BENCH_NODE_FLAGS="--trace-gc ...": extra node flags for every child, to look into one.
    ...(process.env.BENCH_NODE_FLAGS?.split(' ').filter(Boolean) ?? []),
    ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []),
  ];
}

/** Compiled once per bench run (a fraction of a second), so children never run stale code. */
let compiled: Promise<unknown> | null = RUNS_SOURCES ? Promise.resolve() : null;

export async function startChild(spec: ChildSpec): Promise<BenchChild> {
  await (compiled ??= buildWorkspace());
  const child: ChildProcess = fork(CHILD_ENTRY, [], {
    execArgv: execArgv(spec),
    env: { ...process.env, BENCH_CHILD: JSON.stringify(spec) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const completed: Record<string, number> = {};
  const listeners = new Set<() => void>();
  let exited: Error | null = null;
  child.on('message', (message: ChildMessage) => {
    if (message.type === 'progress') Object.assign(completed, message.completed);
    for (const listener of [...listeners]) listener();
  });
  child.on('exit', (code) => {
    exited = new Error(`bench child ${spec.kind} exited with code ${code}`);
    for (const listener of [...listeners]) listener();
  });

  function next<T>(
    pick: (message: ChildMessage) => T | undefined,
    timeoutMs: number,
    what: string,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.off('message', onMessage);
        reject(new Error(`bench child ${spec.kind}: no ${what} within ${timeoutMs} ms`));
      }, timeoutMs);
      const onMessage = (message: ChildMessage) => {
        const value = pick(message);
        if (value === undefined) return;
        clearTimeout(timer);
        child.off('message', onMessage);
        resolve(value);
      };
      child.on('message', onMessage);
    });
  }

  const ready = await next((m) => (m.type === 'ready' ? m : undefined), 60_000, 'ready');
  const send = (message: ParentMessage) => child.send(message);
  return {
    port: ready.port,
    completed,
    async go(prefix) {
      const started = next((m) => (m.type === 'started' ? true : undefined), 30_000, 'start');
      send({ type: 'go', prefix });
      await started;
    },
    async pause() {
      const paused = next((m) => (m.type === 'paused' ? m : undefined), 60_000, 'pause');
      send({ type: 'pause' });
      const result = await paused;
      for (const name of Object.keys(completed)) delete completed[name];
      return { peakRssMb: result.peakRssMb, cpuMs: result.cpuMs };
    },
    waitFor(count, name, timeoutMs = 300_000) {
      return new Promise<void>((resolve, reject) => {
        const total = () =>
          name ? (completed[name] ?? 0) : Object.values(completed).reduce((a, b) => a + b, 0);
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(
            new Error(
              `bench child ${spec.kind}: ${total()} of ${count} ${name ?? 'jobs'} after ${timeoutMs} ms`,
            ),
          );
        }, timeoutMs);
        const check = () => {
          if (exited) {
            listeners.delete(check);
            clearTimeout(timer);
            reject(exited);
          } else if (total() >= count) {
            listeners.delete(check);
            clearTimeout(timer);
            resolve();
          }
        };
        listeners.add(check);
        check();
      });
    },
    async stop() {
      const stopped = next((m) => (m.type === 'stopped' ? m : undefined), 60_000, 'stop');
      send({ type: 'stop' });
      const result = await stopped;
      await new Promise<void>((resolve) =>
        child.exitCode !== null ? resolve() : child.once('exit', () => resolve()),
      );
      return { peakRssMb: result.peakRssMb, cpuMs: result.cpuMs };
    },
  };
}

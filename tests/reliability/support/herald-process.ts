import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

/**
 * What a child runs: the production entry points as the images run them (the compiled JavaScript
 * of `pnpm build`, which the tests' global set-up writes), or the crash test's worker with short
 * locks (TypeScript through tsx).
 */
const ENTRIES = {
  api: ['--conditions=herald-compiled', 'apps/api/dist/main.js'],
  worker: ['--conditions=herald-compiled', 'apps/worker/dist/main.js'],
  'short-lock-worker': ['--import', 'tsx', 'tests/reliability/support/worker-entry.ts'],
} as const;
export type Entry = keyof typeof ENTRIES;

const READY = /"msg":"(Herald worker started|Herald API listening)"/;
/** Keeps a runaway log from eating the test's memory; the secrets test logs far less. */
const MAX_CAPTURED_BYTES = 64 * 1024 * 1024;

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** One Herald process (API or worker) started the way production starts it: `node --conditions=herald-compiled dist/main.js`. */
export class HeraldProcess {
  readonly lines: string[] = [];
  readonly child: ChildProcess;
  readonly ready: Promise<void>;
  readonly exited: Promise<ExitInfo>;
  readonly startedAt = Date.now();
  /** Whether it has logged that it started (its workers or its HTTP server run). */
  isReady = false;
  /** Set when the test itself stops the process: any other exit is a crash. */
  isStopRequested = false;
  exit: ExitInfo | null = null;
  private capturedBytes = 0;

  constructor(
    readonly name: string,
    readonly entry: Entry,
    env: Record<string, string>,
  ) {
    this.child = spawn(
      process.execPath,
      ['--import', `${ROOT}tests/reliability/support/exit-with-parent.mjs`, ...ENTRIES[entry]],
      { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] },
    );
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exit = { code, signal };
        resolve(this.exit);
      });
    });
    this.ready = new Promise<void>((resolve, reject) => {
      const collect = (stream: NodeJS.ReadableStream) => {
        let partial = '';
        stream.on('data', (chunk: Buffer) => {
          const text = partial + chunk.toString('utf8');
          const lines = text.split('\n');
          partial = lines.pop() ?? '';
          for (const line of lines) {
            this.keep(line);
            if (!this.isReady && READY.test(line)) {
              this.isReady = true;
              resolve();
            }
          }
        });
        stream.on('end', () => partial && this.keep(partial));
      };
      collect(this.child.stdout!);
      collect(this.child.stderr!);
      void this.exited.then((exit) => {
        if (!this.isReady)
          reject(
            new Error(`${name} exited before it was ready (${exit.code ?? exit.signal}): ${this.tail()}`),
          );
      });
    });
    // The test may never await ready (a worker killed while starting); that is not an error.
    this.ready.catch(() => undefined);
  }

  private keep(line: string): void {
    if (this.capturedBytes > MAX_CAPTURED_BYTES) return;
    this.capturedBytes += line.length;
    this.lines.push(line);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get isRunning(): boolean {
    return this.exit === null;
  }

  /** An exit the test did not ask for. */
  get hasCrashed(): boolean {
    return this.exit !== null && !this.isStopRequested;
  }

  /** The HTTP port an API child reported. */
  get apiPort(): number | null {
    for (const line of this.lines) {
      const match = /"port":(\d+).*"msg":"Herald API listening"/.exec(line);
      if (match) return Number(match[1]);
    }
    return null;
  }

  signal(signal: NodeJS.Signals): void {
    this.isStopRequested = true;
    if (this.isRunning) this.child.kill(signal);
  }

  /** Resolves with the exit, or null when the process is still running after timeoutMs. */
  async waitForExit(timeoutMs: number): Promise<ExitInfo | null> {
    let timer: NodeJS.Timeout | undefined;
    const result = await Promise.race([
      this.exited,
      new Promise<null>((resolve) => {
        timer = setTimeout(() => resolve(null), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    return result;
  }

  tail(count = 20): string {
    return this.lines.slice(-count).join('\n');
  }

  output(): string {
    return this.lines.join('\n');
  }
}

/** Every process a scenario started: crashes are counted here, and close() leaves none behind. */
export class ProcessGroup {
  readonly all: HeraldProcess[] = [];

  start(name: string, entry: Entry, env: Record<string, string>): HeraldProcess {
    const started = new HeraldProcess(name, entry, env);
    this.all.push(started);
    return started;
  }

  get running(): HeraldProcess[] {
    return this.all.filter((member) => member.isRunning);
  }

  get crashed(): HeraldProcess[] {
    return this.all.filter((member) => member.hasCrashed);
  }

  /** Everything the processes wrote, one line each. */
  output(): string {
    return this.all.map((member) => member.output()).join('\n');
  }

  async killAll(): Promise<void> {
    const running = this.running;
    for (const member of running) member.signal('SIGKILL');
    await Promise.all(running.map((member) => member.exited));
  }
}

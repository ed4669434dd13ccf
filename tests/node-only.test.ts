// `npm run demo` on a machine with Node and nothing else: no Redis or PostgreSQL listening, no
// redis-server on PATH. A network namespace of its own (unshare -n, loopback up) gives exactly
// that on Linux, once dependencies are installed.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..');
const UNSHARE = '/usr/bin/unshare';
const canUnshare =
  process.platform === 'linux' &&
  existsSync(UNSHARE) &&
  spawnSync(UNSHARE, ['-n', 'true'], { stdio: 'ignore' }).status === 0;

describe.skipIf(!canUnshare)('on a machine with nothing but Node (unshare -n)', () => {
  it(
    'the demo puts the queues on PostgreSQL, says why, and three mails arrive',
    { timeout: 240_000 },
    (context) => {
      // PATH holds the system's commands (embedded PostgreSQL uses a few as root) but no redis-*.
      const bin = mkdtempSync(path.join(tmpdir(), 'herald-node-only-'));
      const linked = new Set(['node']);
      for (const dir of (process.env.PATH ?? '').split(path.delimiter).filter((d) => existsSync(d)))
        for (const name of readdirSync(dir))
          if (!name.startsWith('redis-') && !linked.has(name)) {
            linked.add(name);
            symlinkSync(path.join(dir, name), path.join(bin, name));
          }
      symlinkSync(process.execPath, path.join(bin, 'node'));
      try {
        const main = 'node --import tsx apps/cli/src/main.ts demo --json';
        const result = spawnSync(
          UNSHARE,
          ['-n', '/bin/sh', '-c', `/usr/sbin/ip link set lo up && exec ${main}`],
          {
            cwd: ROOT,
            env: { PATH: bin, HOME: process.env.HOME ?? '/root', LOG_LEVEL: 'info' },
            encoding: 'utf8',
            timeout: 230_000,
          },
        );
        // As root, embedded PostgreSQL runs as `postgres`, which must be able to enter the checkout.
        const blocked = /Embedded PostgreSQL cannot start as root here[^\n]*/.exec(result.stderr);
        if (blocked) context.skip(blocked[0]);
        expect(result.status, result.stderr).toBe(0);
        // stdout carries the demo's JSON and nothing else (logs go to stderr).
        expect(result.stdout.trim().split('\n'), result.stdout).toHaveLength(1);
        const demo = JSON.parse(result.stdout) as {
          queueBackend: { kind: string; reason: string };
          redisUrl?: string;
          mails: { to: string[]; subject: string }[];
        };
        expect(demo.queueBackend).toEqual({
          kind: 'postgres',
          reason: 'no REDIS_URL, nothing on 127.0.0.1:6379 and no redis-server on PATH',
        });
        expect(demo.redisUrl).toBeUndefined();
        expect(result.stderr).toContain('queues on postgres');
        expect(demo.mails).toHaveLength(3);
      } finally {
        rmSync(bin, { recursive: true, force: true });
      }
    },
  );
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { findFreePort, pingRedis } from './net';
import { resolveRedis } from './redis';
import { findOnPath } from './redis-server';
import { StackError } from './service';

const log = pino({ level: 'silent' });
const stateDir = mkdtempSync(path.join(tmpdir(), 'herald-stack-'));
afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

describe('Redis discovery', () => {
  it.skipIf(!findOnPath('redis-server'))(
    'starts redis-server from PATH on a free port and stops it',
    async () => {
      const redis = await resolveRedis({ stateDir, log, strategies: ['redis-server'] });
      try {
        expect(redis.source).toBe('started');
        const { hostname, port } = new URL(redis.url);
        expect(Number(port)).not.toBe(6379);
        expect(await pingRedis(hostname, Number(port))).toBe(true);
        await redis.stop();
        expect(await pingRedis(hostname, Number(port))).toBe(false);
      } finally {
        await redis.stop();
      }
    },
  );

  it('uses REDIS_URL as it is and stops nothing', async () => {
    const redis = await resolveRedis({ url: 'redis://redis.example:6380', stateDir, log });
    expect(redis).toMatchObject({ url: 'redis://redis.example:6380', source: 'environment' });
    await redis.stop();
  });

  it('says how to get Redis when nothing works', async () => {
    const attempt = resolveRedis({ stateDir, log, strategies: ['redis-memory-server'] });
    await expect(attempt).rejects.toBeInstanceOf(StackError);
    await expect(attempt).rejects.toThrow(/apt-get install redis-server.*docker compose up redis.*REDIS_URL/);
  });

  it('does not mistake a silent port for Redis', async () => {
    expect(await pingRedis('127.0.0.1', await findFreePort())).toBe(false);
  });
});

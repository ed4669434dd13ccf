import { setTimeout as sleep } from 'node:timers/promises';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { testServerUrl } from '@herald/db/testing';
import { startTcpProxy, type TcpProxy } from './support/tcp-proxy';
import { World, type Tenant } from './support/world';
import { describeOnRedis } from '../support/queue-backend';

/**
 * BullMQ can fail a job without calling the processor: a job that stalled more than
 * maxStalledCount times is failed by the next worker that takes it. The task worker records that
 * end from the `failed` event, after BullMQ has already committed the failure. Here the worker dies
 * in between (made deterministic: PostgreSQL is unreachable, so the ledger write waits, and the
 * worker is killed); the run sweep of the next worker finds the failed job and records the end,
 * and the owner is told.
 */
let world: World;
let dbProxy: TcpProxy;
let redis: Redis;
let api: string;
let tenant: Tenant;

beforeAll(async () => {
  const server = new URL(testServerUrl());
  dbProxy = await startTcpProxy({ host: server.hostname, port: Number(server.port || 5432) });
  world = await World.create({ databaseUrlForHerald: (url) => dbProxy.rewrite(url) });
  redis = new Redis(world.redisUrl, { maxRetriesPerRequest: 3 });
  tenant = await world.createTenant('Acme');
  const [started] = await Promise.all([world.startApi(), world.startWorker('worker-1')]);
  api = started.url;
}, 120_000);
afterAll(async () => {
  redis?.disconnect();
  await world?.close();
  await dbProxy?.close();
});

describeOnRedis(
  'a job BullMQ failed outside the processor, whose worker died before the ledger recorded it',
  () => {
    it('still ends in the ledger, and its owner is told', async () => {
      const submitted = await world.http.call(api, 'POST', '/api/tasks', {
        token: tenant.token,
        body: {
          task: 'reports.build',
          input: { report_name: 'stalled too often', stepMs: 1 },
          options: { delay: 3_000 },
        },
      });
      expect(submitted?.status).toBe(202);
      const id = submitted!.json.id as string;
      // What BullMQ's stalled check writes on a job that stalled more than maxStalledCount times.
      await redis.hset(`${world.prefix}:tasks:${id}`, 'defa', 'job stalled more than allowable limit');
      await dbProxy.setMode('refuse');

      const queue = new Queue('tasks', { connection: redis, prefix: world.prefix });
      let state = '';
      for (let i = 0; i < 200 && state !== 'failed'; i++) {
        state = await (await queue.getJob(id))!.getState();
        await sleep(100);
      }
      await queue.close();
      expect(state, 'BullMQ did not fail the job').toBe('failed');
      const [first] = world.processes.running.filter((member) => member.name === 'worker-1');
      first!.signal('SIGKILL');
      await first!.exited;
      await dbProxy.setMode('up');
      await world.startWorker('worker-2');

      let run = await world.db.prisma.taskRun.findUniqueOrThrow({ where: { id } });
      for (
        let i = 0;
        i < 120 && !['failed', 'succeeded', 'cancelled', 'timed_out'].includes(run.status);
        i++
      ) {
        await sleep(1_000);
        run = await world.db.prisma.taskRun.findUniqueOrThrow({ where: { id } });
      }
      expect(run.status, 'the run never ended in the ledger (BullMQ holds it as failed)').toBe('failed');
      // The mail may have arrived already, while the ledger was polled.
      await world.sink.waitForMessages(1, 60_000);
      expect(world.sink.messages.map((mail) => mail.to)).toEqual([[tenant.email]]);
    }, 300_000);
  },
);

import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crashTestTasks } from './fixtures/crash-tasks';
import { createHarness, waitFor, waitForRunEnd, type Harness } from './support/harness';
import { queueBackendEnv } from './support/queue-backend';
import { TASKS } from '@herald/tasks';

let h: Harness;
const children: ChildProcess[] = [];

function startWorkerProcess(): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'tests/fixtures/task-worker-process.ts'], {
    env: { ...process.env, DATABASE_URL: h.testDb.url, ...queueBackendEnv(), QUEUE_PREFIX: h.prefix },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve(child));
    child.on('exit', (code) => reject(new Error(`worker exited early with ${code}`)));
  });
}

beforeAll(async () => {
  h = await createHarness([...TASKS, ...crashTestTasks]);
});
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await h?.close();
});

describe('a worker killed with SIGKILL mid-run', () => {
  it('the job is picked up again and the run ends with exactly one delivery', { timeout: 90_000 }, async () => {
    const first = await startWorkerProcess();
    const { id } = await h.client.enqueue('crash.sleepy', { ms: 1_500 }, { organizationId: h.org.id, userId: h.user.id });
    await waitFor(
      async () => (await h.testDb.db.prisma.taskRun.findUnique({ where: { id } }))?.status === 'running',
      10_000,
      'the run to start',
    );
    first.kill('SIGKILL');
    await once(first, 'exit');

    await startWorkerProcess();
    const run = await waitForRunEnd(h, id, 75_000);
    expect(run.status).toBe('succeeded');
    const deliveries = await h.testDb.db.prisma.notificationDelivery.findMany({ where: { runId: id } });
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0]?.phase).toBe('succeeded');
  });
});

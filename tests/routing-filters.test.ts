import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  alertPolicy,
  defineTask,
  emailNotification,
  notify,
  onSuccess,
  TaskRegistry,
  type StateChange,
} from '@herald/core';
import { TASKS } from '@herald/tasks';
import { startStack, type Stack, type Tenant } from './support/stack';
import { waitFor, waitForRunEnd } from './support/harness';

class TimeoutError extends Error {
  override name = 'TimeoutError';
}

/** Fails the way its input says: a TimeoutError, one wrapped as another error's cause, or another error. */
function failAs(mode: 'timeout' | 'wrapped' | 'other'): never {
  if (mode === 'timeout') throw new TimeoutError('the warehouse did not answer');
  if (mode === 'wrapped')
    throw new Error('the report failed', {
      cause: new Error('query failed', { cause: new TimeoutError('slow') }),
    });
  throw new Error('bad data in row 12');
}
const failureInput = z.object({
  mode: z.enum(['timeout', 'wrapped', 'other', 'ok']),
  target: z.string().default('x'),
});

const runProbe = async (input: z.output<typeof failureInput>) =>
  input.mode === 'ok' ? { target: input.target } : failAs(input.mode);

const timeoutsOnly = { on: ['failed' as const], onlyErrors: ['TimeoutError'] };
const flaky = notify('slack', {
  template: 'task-completion',
  subject: 'Slack {{task_name}}',
  ...timeoutsOnly,
})(
  emailNotification({ template: 'task-completion', subject: 'Timed out: {{task_name}}', ...timeoutsOnly })(
    defineTask({ name: 'filters.flaky', input: failureInput, run: runProbe }),
  ),
);
const probe = alertPolicy<{ target: string }>({
  silentSeconds: 3_600,
  okSilentHours: 24,
  key: (input) => {
    if (input.target === 'boom') throw new Error('no key for boom');
    return input.target;
  },
})(
  emailNotification({ template: 'task-completion', subject: 'Probe {{task_name}}' })(
    defineTask({ name: 'filters.probe', input: failureInput, run: runProbe }),
  ),
);
const guarded = alertPolicy({ silentSeconds: 3_600, okSilentHours: 24, onlyErrors: ['TimeoutError'] })(
  emailNotification({ template: 'task-completion', subject: 'Guarded {{task_name}}' })(
    defineTask({ name: 'filters.guarded', input: failureInput, run: runProbe }),
  ),
);

const chordChanges: StateChange[] = [];
const summary = onSuccess((change) => {
  chordChanges.push(change);
})(
  defineTask({
    name: 'filters.summary',
    input: z.object({}),
    run: async (_input, ctx) => ({ total: ctx.children?.length ?? 0 }),
  }),
);

let stack: Stack;
let acme: Tenant;
let receiver: http.Server;
const slackBodies: any[] = [];

beforeAll(async () => {
  stack = await startStack(
    { NOTIFICATION_RETRY_BASE_MS: '100', CHANNEL_ALLOW_PRIVATE_URLS: 'true' },
    { registry: new TaskRegistry([...TASKS, flaky, probe, guarded, summary]) },
  );
  acme = await stack.createTenant('Acme', 'ada@acme.test');
  receiver = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    req.on('end', () => {
      slackBodies.push(JSON.parse(raw));
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/slack/T000/B000/SECRET`;
  expect((await stack.call(acme, 'PUT', '/api/channels/slack', { webhookUrl: url })).status).toBe(200);
});
afterAll(async () => {
  receiver?.close();
  await stack?.close();
});

async function run(task: string, input: object) {
  const { id } = await stack.api.ctx.client.enqueue(task, input, acme);
  return waitForRunEnd({ testDb: stack.testDb } as never, id, 20_000);
}
const deliveriesOf = (runIds: string[]) =>
  stack.testDb.db.prisma.notificationDelivery.findMany({
    where: { runId: { in: runIds } },
    orderBy: [{ createdAt: 'asc' }, { channel: 'asc' }],
  });

describe('onlyErrors', () => {
  it('sends on e-mail and Slack for a listed error, or one in its cause chain, and nothing for another', async () => {
    const other = await run('filters.flaky', { mode: 'other' });
    const direct = await run('filters.flaky', { mode: 'timeout' });
    const wrapped = await run('filters.flaky', { mode: 'wrapped' });
    expect([other.status, direct.status, wrapped.status]).toEqual(['failed', 'failed', 'failed']);
    expect(wrapped.error).toMatchObject({
      name: 'Error',
      message: 'the report failed',
      cause: { name: 'Error', message: 'query failed', cause: { name: 'TimeoutError', message: 'slow' } },
    });

    for (const ended of [direct, wrapped]) {
      const mail = await waitFor(
        async () => stack.inbox.messages.find((m) => m.text.includes(ended.id)),
        20_000,
        `the mail of ${ended.id}`,
      );
      expect(mail.to).toEqual(['ada@acme.test']);
      expect(mail.subject).toBe('Timed out: filters.flaky');
      await waitFor(
        async () => slackBodies.find((body) => JSON.stringify(body).includes(ended.id)),
        20_000,
        `the Slack message of ${ended.id}`,
      );
    }
    const rows = await waitFor(
      async () => {
        const found = await deliveriesOf([other.id, direct.id, wrapped.id]);
        return found.length === 4 && found.every((d) => d.status === 'sent') ? found : null;
      },
      10_000,
      'four sent deliveries',
    );
    expect(rows.map((d) => [d.runId, d.channel, d.phase]).sort()).toEqual(
      [
        [direct.id, 'email', 'failed'],
        [direct.id, 'slack', 'failed'],
        [wrapped.id, 'email', 'failed'],
        [wrapped.id, 'slack', 'failed'],
      ].sort(),
    );
    expect(stack.inbox.messages.some((m) => m.text.includes(other.id))).toBe(false);
    expect(slackBodies.some((body) => JSON.stringify(body).includes(other.id))).toBe(false);
  });

  it('on an alert policy: another error neither alerts nor changes the OK/FAIL state', async () => {
    const other = await run('filters.guarded', { mode: 'other' });
    expect(other.status).toBe('failed');
    const state = () =>
      stack.testDb.db.prisma.alertState.findUnique({
        where: { organizationId_key: { organizationId: acme.organizationId, key: 'filters.guarded' } },
      });
    expect(await state()).toBeNull();
    const timeout = await run('filters.guarded', { mode: 'timeout' });
    expect(await state()).toMatchObject({ lastOutcome: 'fail' });
    expect((await deliveriesOf([other.id, timeout.id])).map((d) => [d.runId, d.phase])).toEqual([
      [timeout.id, 'failed'],
    ]);
  });
});

describe('alert keys', () => {
  it('keep separate OK/FAIL histories for two inputs of one task; a throwing key falls back to the task', async () => {
    const dbFail = await run('filters.probe', { mode: 'other', target: 'db' });
    const cacheFail = await run('filters.probe', { mode: 'other', target: 'cache' });
    const dbRepeat = await run('filters.probe', { mode: 'other', target: 'db' });
    const cacheOk = await run('filters.probe', { mode: 'ok', target: 'cache' });
    const boom = await run('filters.probe', { mode: 'ok', target: 'boom' });
    expect(boom.status).toBe('succeeded');

    const rows = await deliveriesOf([dbFail.id, cacheFail.id, dbRepeat.id, cacheOk.id, boom.id]);
    expect(rows.map((d) => [d.runId, d.phase, (d.context as { alert?: string }).alert])).toEqual([
      [dbFail.id, 'failed', 'first'],
      [cacheFail.id, 'failed', 'first'],
      [cacheOk.id, 'succeeded', 'recovery'],
      [boom.id, 'succeeded', 'first'],
    ]);
    const states = await stack.testDb.db.prisma.alertState.findMany({
      where: { organizationId: acme.organizationId, key: { startsWith: 'filters.probe' } },
      orderBy: { key: 'asc' },
    });
    expect(states.map((s) => [s.key, s.lastOutcome])).toEqual([
      ['filters.probe', 'ok'],
      ['filters.probe:cache', 'ok'],
      ['filters.probe:db', 'fail'],
    ]);
  });
});

describe('chord-level handlers', () => {
  it("a callback's handler sees every child's outcome", async () => {
    const chord = await stack.api.ctx.client.chord(
      [
        { task: 'tests.execute', input: { testId: 'a' } },
        { task: 'tests.execute', input: { testId: 'b', outcome: 'fail' } },
      ],
      { task: 'filters.summary', input: {} },
      acme,
    );
    const change = await waitFor(
      async () => chordChanges.find((c) => c.runId === chord.id),
      30_000,
      'the callback’s success handler',
    );
    expect(change.children).toEqual([
      expect.objectContaining({
        runId: chord.children[0],
        task: 'tests.execute',
        status: 'succeeded',
        result: expect.objectContaining({ testId: 'a', passed: true }),
      }),
      expect.objectContaining({
        runId: chord.children[1],
        task: 'tests.execute',
        status: 'failed',
        error: expect.stringContaining('Test b failed'),
      }),
    ]);
  });
});

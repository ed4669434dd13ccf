import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase } from '@herald/db';
import { endRunWithAlertPolicy } from '@herald/core';
import { monitoringCheck } from '@herald/tasks';
import { startStack, type Stack, type Tenant } from './support/stack';
import { waitFor, waitForRunEnd } from './support/harness';
import { HttpReceiver } from './support/http-receiver';

let stack: Stack;
let acme: Tenant;
const receiver = new HttpReceiver();
const { received, failuresLeft } = receiver;
let receiverUrl: string;

beforeAll(async () => {
  // The Slack and PagerDuty receivers below listen on loopback.
  stack = await startStack({ NOTIFICATION_RETRY_BASE_MS: '100', CHANNEL_ALLOW_PRIVATE_URLS: 'true' });
  acme = await stack.createTenant('Acme', 'ada@acme.test');
  receiverUrl = await receiver.start();
});
afterAll(async () => {
  receiver.close();
  await stack?.close();
});

const json = async (response: Response) => (await response.json()) as any;

async function runCheck(tenant: Tenant, healthy: boolean, scheduleName: string) {
  const { id } = await stack.api.ctx.client.enqueue('monitoring.check', { target: 'db', healthy }, tenant, {
    scheduleName,
  });
  return waitForRunEnd({ testDb: stack.testDb } as never, id, 20_000);
}

const emailDeliveries = (runIds: string[]) =>
  stack.testDb.db.prisma.notificationDelivery.findMany({
    where: { runId: { in: runIds }, channel: 'email' },
    orderBy: { createdAt: 'asc' },
  });

describe('change-only alert policy', () => {
  it('5 failures in a row then a success alert exactly twice: the first failure and the recovery', async () => {
    const runs: Awaited<ReturnType<typeof runCheck>>[] = [];
    for (let i = 0; i < 5; i++) runs.push(await runCheck(acme, false, 'nightly-db'));
    runs.push(await runCheck(acme, true, 'nightly-db'));
    expect(runs.map((r) => r.status)).toEqual([
      'failed',
      'failed',
      'failed',
      'failed',
      'failed',
      'succeeded',
    ]);
    const deliveries = await emailDeliveries(runs.map((r) => r.id));
    expect(deliveries.map((d) => [d.runId, d.phase])).toEqual([
      [runs[0]!.id, 'failed'],
      [runs[5]!.id, 'succeeded'],
    ]);
    expect(deliveries[1]!.context).toMatchObject({ alert: 'recovery', failing_for_ms: expect.any(Number) });
    const recovery = await waitFor(
      async () => stack.inbox.messages.find((m) => m.text.includes(runs[5]!.id)),
      20_000,
      'the recovery mail',
    );
    expect(recovery.text).toMatch(/Recovered: it had been failing for \d/);
    expect(recovery.subject).toBe('Check monitoring.check: succeeded');
  });

  it('two workers racing on the same state change produce one alert', async () => {
    // Two pools: two workers' connections, each ending a run of the same check at the same moment.
    const pools = [createDatabase({ url: stack.testDb.url }), createDatabase({ url: stack.testDb.url })];
    const ids = [randomUUID(), randomUUID()];
    for (const id of ids) {
      await stack.testDb.db.prisma.taskRun.create({
        data: {
          id,
          organizationId: acme.organizationId,
          userId: acme.userId,
          task: 'monitoring.check',
          input: {},
          status: 'running',
        },
      });
    }
    const rule = monitoringCheck.notifications.find((r) => r.channel === 'email')!;
    const outcomes = await Promise.all(
      ids.map((id, i) =>
        endRunWithAlertPolicy(
          pools[i]!.pool,
          {
            id,
            organizationId: acme.organizationId,
            userId: acme.userId,
            status: 'failed',
            attempts: 1,
            error: { message: 'down' },
            notifications: [{ rule, phase: 'failed', attempt: 1 }],
          },
          monitoringCheck.alertPolicy!,
          'race-key',
        ),
      ),
    );
    expect(outcomes.map((o) => o.updated)).toEqual([true, true]);
    expect(outcomes.flatMap((o) => o.deliveries)).toHaveLength(1);
    expect(await emailDeliveries(ids)).toHaveLength(1);
    await Promise.all(pools.map((p) => p.close()));
  });
});

describe('Slack and PagerDuty channels', () => {
  it('stores channel secrets without ever returning them', async () => {
    const slack = await stack.call(acme, 'PUT', '/api/channels/slack', {
      webhookUrl: `${receiverUrl}/slack/T000/B000/XXXXSECRET`,
    });
    expect(slack.status).toBe(200);
    const pagerduty = await stack.call(acme, 'PUT', '/api/channels/pagerduty', {
      routingKey: 'R0UTINGKEY-SECRET-1234',
      eventsUrl: `${receiverUrl}/pagerduty`,
    });
    expect(pagerduty.status).toBe(200);
    const shown = JSON.stringify([
      await json(slack),
      await json(pagerduty),
      await json(await stack.call(acme, 'GET', '/api/channels')),
    ]);
    expect(shown).not.toContain('XXXXSECRET');
    expect(shown).not.toContain('R0UTINGKEY-SECRET');
    expect((await stack.call(acme, 'PUT', '/api/channels/slack', { webhookUrl: 'not a url' })).status).toBe(
      400,
    );
    expect((await stack.call(acme, 'PUT', '/api/channels/fax', {})).status).toBe(404);
  });

  it('a failure and a recovery reach Slack and PagerDuty with the right content; a 500 then 200 is delivered once', async () => {
    failuresLeft.set('/slack/T000/B000/XXXXSECRET', 1);
    received.length = 0;
    const failed = await runCheck(acme, false, 'api-health');
    await waitFor(
      async () => received.filter((r) => r.status === 200).length >= 2,
      20_000,
      'slack and pagerduty to accept',
    );

    const slackCalls = received.filter((r) => r.path.startsWith('/slack'));
    expect(slackCalls.map((r) => r.status)).toEqual([500, 200]);
    expect(slackCalls[1]!.body.text).toContain('Check monitoring.check: failed');
    expect(JSON.stringify(slackCalls[1]!.body.blocks)).toContain(`https://app.herald.test/runs/${failed.id}`);
    const trigger = received.find((r) => r.path === '/pagerduty')!.body;
    expect(trigger).toMatchObject({
      routing_key: 'R0UTINGKEY-SECRET-1234',
      event_action: 'trigger',
      dedup_key: `herald:${acme.organizationId}:api-health`,
      payload: {
        severity: 'error',
        component: 'monitoring.check',
        custom_details: { run_id: failed.id, error: 'db did not answer' },
      },
    });
    // The receiver has answered; the worker records the outcome just after.
    const slackDelivery = await waitFor(
      () =>
        stack.testDb.db.prisma.notificationDelivery.findFirst({
          where: { runId: failed.id, channel: 'slack', status: { not: 'pending' } },
        }),
      10_000,
      'the slack delivery to be recorded',
    );
    expect(slackDelivery).toMatchObject({ status: 'sent', attempts: 2 });

    received.length = 0;
    await runCheck(acme, true, 'api-health');
    await waitFor(async () => received.length >= 2, 20_000, 'the recovery notifications');
    const resolve = received.find((r) => r.path === '/pagerduty')!.body;
    expect(resolve).toEqual({
      routing_key: 'R0UTINGKEY-SECRET-1234',
      event_action: 'resolve',
      dedup_key: `herald:${acme.organizationId}:api-health`,
    });
    expect(received.find((r) => r.path.startsWith('/slack'))!.body.text).toContain('succeeded');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(received).toHaveLength(2);
  });
});

describe('notification jobs', () => {
  it('a job that names only its delivery (enqueued by an older version) is routed by the row, and mailed', async () => {
    const run = await runCheck(acme, true, 'older-job');
    const delivery = await stack.testDb.db.prisma.notificationDelivery.create({
      data: {
        runId: run.id,
        organizationId: acme.organizationId,
        userId: acme.userId,
        channel: 'email',
        template: 'task-completion',
        subject: 'Older job {{task_name}}',
        phase: 'succeeded',
        recipient: acme.userId,
        idempotencyKey: `older-job:${run.id}`,
      },
    });
    await stack.worker.queues.notifications.add(
      'deliver',
      { deliveryId: delivery.id },
      { jobId: delivery.id },
    );
    const mail = await waitFor(
      async () => stack.inbox.messages.find((m) => m.subject === 'Older job monitoring.check'),
      20_000,
      'the mail of the older job',
    );
    expect(mail.to).toContain('ada@acme.test');
    expect(mail.text).toContain(run.id);
  });
});

describe('digest delivery', () => {
  it('20 runs ending within one window become one mail listing the 20 runs', async () => {
    const reader = await stack.createTenant('Digesters', 'dora@digest.test');
    const put = await stack.call(reader, 'PUT', '/api/me/notification-preferences', {
      email: { delivery: 'digest', digestWindowMinutes: 60 },
    });
    expect((await json(put)).email).toMatchObject({ delivery: 'digest', digestWindowMinutes: 60 });
    const ids: string[] = [];
    for (let i = 0; i < 20; i++)
      ids.push(
        (await stack.api.ctx.client.enqueue('email_notification_test', { message: `run ${i}` }, reader)).id,
      );
    const held = await waitFor(
      async () => {
        const rows = await stack.testDb.db.prisma.notificationDelivery.findMany({
          where: { runId: { in: ids } },
        });
        return rows.length === 20 && rows.every((d) => d.digestKey) ? rows : null;
      },
      20_000,
      '20 held deliveries',
    );
    expect(new Set(held.map((d) => d.digestKey)).size).toBe(1);
    expect(stack.inbox.messages.filter((m) => m.to.includes('dora@digest.test'))).toHaveLength(0);

    // The digest job waits for the window to close; bring it forward instead of waiting an hour.
    const job = await stack.worker.queues.notifications.getJob(
      `digest-${held[0]!.digestKey!.replace(/:/g, '-')}`,
    );
    expect(job).toBeTruthy();
    await job!.promote();
    const mail = await waitFor(
      async () => stack.inbox.messages.find((m) => m.to.includes('dora@digest.test')),
      20_000,
      'the digest',
    );
    expect(mail.subject).toContain('20');
    for (const id of ids) expect(mail.text).toContain(id);
    // The rows are marked sent once the SMTP server's answer is back, a moment after it stored the mail.
    const sent = await waitFor(
      async () => {
        const rows = await stack.testDb.db.prisma.notificationDelivery.findMany({
          where: { runId: { in: ids } },
        });
        return rows.every((d) => d.status === 'sent') ? rows : null;
      },
      5_000,
      '20 deliveries marked sent',
    );
    expect(new Set(sent.map((d) => d.messageId)).size).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(stack.inbox.messages.filter((m) => m.to.includes('dora@digest.test'))).toHaveLength(1);
  });
});

import { createHash, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from './testing';
import { runInTenant } from './tenant-context';

let testDb: TestDatabase;

beforeAll(async () => {
  testDb = await createTestDatabase();
});
afterAll(async () => {
  await testDb?.drop();
});

describe('the migrated database agrees with schema.prisma', () => {
  it('creates and reads back every model with every field', async () => {
    const { prisma } = testDb.db;
    const org = await prisma.organization.create({
      data: { name: 'Acme', logoUrl: 'https://acme.test/logo.png', brandColor: '#ff6600', footerText: 'Acme Ltd' },
    });
    const user = await prisma.user.create({
      data: { organizationId: org.id, email: 'ada@acme.test', name: 'Ada', isSystem: false },
    });
    const token = await prisma.apiToken.create({
      data: {
        organizationId: org.id,
        userId: user.id,
        name: 'ci',
        tokenHash: createHash('sha256').update('secret').digest('hex'),
        prefix: 'hrld_abc',
        expiresAt: new Date(Date.now() + 60_000),
      },
    });
    const run = await prisma.taskRun.create({
      data: {
        id: randomUUID(),
        organizationId: org.id,
        userId: user.id,
        task: 'tests.execute',
        input: { testId: 't1' },
        status: 'succeeded',
        attempts: 2,
        maxAttempts: 3,
        progress: { done: 1 },
        result: { passed: true },
        error: { message: 'first attempt failed' },
        parentId: randomUUID(),
        scheduleName: 'nightly',
        startedAt: new Date(),
        finishedAt: new Date(),
      },
    });
    const delivery = await prisma.notificationDelivery.create({
      data: {
        runId: run.id,
        organizationId: org.id,
        userId: user.id,
        channel: 'email',
        template: 'task-completion',
        subject: 'Done',
        phase: 'succeeded',
        recipient: user.id,
        address: 'ada@acme.test',
        status: 'sent',
        attempts: 1,
        messageId: '<x@y>',
        idempotencyKey: `${run.id}:succeeded:email:${user.id}`,
        sentAt: new Date(),
        context: { alert: 'recovery', failing_for_ms: 1_000 },
        digestKey: `${user.id}:1`,
      },
    });
    const preference = await prisma.notificationPreference.create({
      data: {
        organizationId: org.id,
        userId: user.id,
        emailEnabled: false,
        mutedTasks: ['tests.execute'],
        delivery: 'digest',
        digestWindowMinutes: 15,
      },
    });
    const schedule = await prisma.schedule.create({
      data: { organizationId: org.id, userId: user.id, name: 'nightly', task: 't', input: { a: 1 }, cron: '0 3 * * *', everyMs: null, timezone: 'Europe/Berlin' },
    });
    await prisma.alertState.create({
      data: { organizationId: org.id, key: 'nightly', lastOutcome: 'fail', lastAlertAt: new Date(), failingSince: new Date() },
    });
    await prisma.notificationChannel.create({ data: { organizationId: org.id, kind: 'slack', config: { webhookUrl: 'https://hooks.test/x' } } });

    const found = await prisma.organization.findUniqueOrThrow({
      where: { id: org.id },
      include: {
        users: { include: { tokens: true, runs: { include: { deliveries: true } }, preference: true } },
        schedules: true,
        alertStates: true,
        channels: true,
      },
    });
    expect(found.schedules[0]).toMatchObject({ id: schedule.id, cron: '0 3 * * *', timezone: 'Europe/Berlin', input: { a: 1 } });
    expect(found.alertStates[0]).toMatchObject({ key: 'nightly', lastOutcome: 'fail' });
    expect(found.channels[0]).toMatchObject({ kind: 'slack', config: { webhookUrl: 'https://hooks.test/x' } });
    expect(found.brandColor).toBe('#ff6600');
    const [foundUser] = found.users;
    expect(foundUser?.tokens[0]).toMatchObject({ id: token.id, prefix: 'hrld_abc' });
    expect(foundUser?.runs[0]).toMatchObject({ status: 'succeeded', result: { passed: true }, scheduleName: 'nightly' });
    expect(foundUser?.runs[0]?.deliveries[0]).toMatchObject({ id: delivery.id, status: 'sent', messageId: '<x@y>' });
    expect(foundUser?.preference).toMatchObject({ id: preference.id, emailEnabled: false, mutedTasks: ['tests.execute'], delivery: 'digest', digestWindowMinutes: 15 });
    expect(foundUser?.runs[0]?.deliveries[0]).toMatchObject({ context: { alert: 'recovery' }, digestKey: `${user.id}:1` });
  });

  it('enforces every unique constraint', async () => {
    const { prisma } = testDb.db;
    const org = await prisma.organization.create({ data: { name: 'Unique' } });
    const user = await prisma.user.create({ data: { organizationId: org.id, email: 'u@unique.test' } });
    await expect(prisma.user.create({ data: { organizationId: org.id, email: 'u@unique.test' } })).rejects.toThrow(
      /Unique constraint/,
    );

    const tokenData = { organizationId: org.id, userId: user.id, name: 't', tokenHash: 'h'.repeat(64), prefix: 'p' };
    await prisma.apiToken.create({ data: tokenData });
    await expect(prisma.apiToken.create({ data: tokenData })).rejects.toThrow(/Unique constraint/);

    const run = await prisma.taskRun.create({
      data: { id: randomUUID(), organizationId: org.id, userId: user.id, task: 't', input: {} },
    });
    const deliveryData = {
      runId: run.id,
      organizationId: org.id,
      userId: user.id,
      channel: 'email',
      template: 'task-completion',
      subject: 's',
      phase: 'succeeded',
      recipient: user.id,
      idempotencyKey: `${run.id}:succeeded:email:${user.id}`,
    };
    await prisma.notificationDelivery.create({ data: deliveryData });
    await expect(prisma.notificationDelivery.create({ data: deliveryData })).rejects.toThrow(/Unique constraint/);

    await prisma.notificationPreference.create({ data: { organizationId: org.id, userId: user.id } });
    await expect(
      prisma.notificationPreference.create({ data: { organizationId: org.id, userId: user.id } }),
    ).rejects.toThrow(/Unique constraint/);

    const schedule = { organizationId: org.id, userId: user.id, name: 'every-minute', task: 't', input: {}, everyMs: 60_000 };
    await prisma.schedule.create({ data: schedule });
    await expect(prisma.schedule.create({ data: schedule })).rejects.toThrow(/Unique constraint/);
    await prisma.alertState.create({ data: { organizationId: org.id, key: 'k' } });
    await expect(prisma.alertState.create({ data: { organizationId: org.id, key: 'k' } })).rejects.toThrow(/Unique constraint/);
    const channel = { organizationId: org.id, kind: 'pagerduty', config: { routingKey: 'r' } };
    await prisma.notificationChannel.create({ data: channel });
    await expect(prisma.notificationChannel.create({ data: channel })).rejects.toThrow(/Unique constraint/);
  });
});

describe('the tenant-scoped client', () => {
  it("never reads or updates another organization's rows", async () => {
    const { prisma, tenant } = testDb.db;
    const [a, b] = await Promise.all([
      prisma.organization.create({ data: { name: 'A' } }),
      prisma.organization.create({ data: { name: 'B' } }),
    ]);
    const userA = await prisma.user.create({ data: { organizationId: a.id, email: 'a@a.test' } });
    const userB = await prisma.user.create({ data: { organizationId: b.id, email: 'b@b.test' } });
    const runB = await prisma.taskRun.create({
      data: { id: randomUUID(), organizationId: b.id, userId: userB.id, task: 't', input: {} },
    });

    await runInTenant({ organizationId: a.id, userId: userA.id }, async () => {
      expect(await tenant.taskRun.findUnique({ where: { id: runB.id } })).toBeNull();
      expect(await tenant.user.findMany()).toHaveLength(1);
      const updated = await tenant.taskRun.updateMany({ where: { id: runB.id }, data: { status: 'cancelled' } });
      expect(updated.count).toBe(0);
    });
    expect((await prisma.taskRun.findUniqueOrThrow({ where: { id: runB.id } })).status).toBe('queued');
    await expect(tenant.taskRun.findMany()).rejects.toThrow(/outside a tenant context/);
  });
});

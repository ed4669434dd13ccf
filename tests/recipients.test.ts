import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineTask, emailNotification, TaskRegistry } from '@herald/core';
import { createApiToken, createUser } from '@herald/db';
import { TASKS } from '@herald/tasks';
import type { ReceivedMail } from '@herald/email';
import { startStack, type Stack, type Tenant } from './support/stack';
import { waitFor, waitForRunEnd } from './support/harness';

const TEAM = ['ann@team.test', 'bob@team.test', 'cy@team.test'];
const mail = (name: string, to: string[]) =>
  emailNotification({ template: 'task-completion', subject: `${name} {{status}}`, to })(
    defineTask({ name: `recipients.${name}`, input: z.object({}), run: async () => ({ done: true }) }),
  );
const team = mail('team', TEAM);
const partly = mail('partly', ['ok@team.test', 'nobody@nowhere.invalid', 'owner']);
const admins = mail('admins', ['org-admins']);
const ownerOnly = emailNotification({ template: 'task-completion' })(
  defineTask({ name: 'recipients.owner_only', input: z.object({}), run: async () => ({}) }),
);
const silent = defineTask({ name: 'recipients.silent', input: z.object({}), run: async () => ({}) });

let stack: Stack;
let acme: Tenant;
let other: Tenant;

beforeAll(async () => {
  const registry = new TaskRegistry([...TASKS, team, partly, admins, ownerOnly, silent]);
  stack = await startStack({ NOTIFY_MAX_RECIPIENTS: '3' }, { registry });
  acme = await stack.createTenant('Acme', 'owner@acme.test');
  other = await stack.createTenant('Other', 'eve@other.test');
});
afterAll(async () => {
  await stack?.close();
});

const json = async (response: Response) => (await response.json()) as any;

async function submit(tenant: Tenant, body: object): Promise<string> {
  const response = await stack.call(tenant, 'POST', '/api/tasks', body);
  expect(response.status).toBe(202);
  const { id } = (await response.json()) as { id: string };
  await waitForRunEnd({ testDb: stack.testDb } as never, id, 20_000);
  return id;
}

/** Waits until every delivery of the run has an outcome; returns them by recipient address. */
async function settledDeliveries(runId: string) {
  const rows = await waitFor(
    async () => {
      const found = await stack.testDb.db.prisma.notificationDelivery.findMany({ where: { runId } });
      return found.length && found.every((row) => row.status !== 'pending') ? found : null;
    },
    20_000,
    `the deliveries of ${runId}`,
  );
  return new Map(rows.map((row) => [row.recipientAddress ?? 'owner', row]));
}

const mailsOf = (runId: string) => stack.inbox.messages.filter((m) => m.text.includes(runId));
const addressesOf = (mails: ReceivedMail[]) => mails.flatMap((m) => m.to).sort();

/** Follows the mail's one-click List-Unsubscribe (RFC 8058), as a mail client does. */
async function unsubscribeWith(received: ReceivedMail): Promise<Response> {
  const path = /<https:\/\/api\.herald\.test(\/unsubscribe\/[^>]+)>/.exec(
    received.headers['list-unsubscribe'] ?? '',
  )![1]!;
  return fetch(`${stack.api.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'List-Unsubscribe=One-Click',
  });
}

describe('recipients of a rule', () => {
  it('three addresses get a mail each; one unsubscribing silences only that address', async () => {
    const first = await submit(acme, { task: 'recipients.team' });
    const deliveries = await settledDeliveries(first);
    expect([...deliveries.keys()].sort()).toEqual(TEAM);
    expect(new Set([...deliveries.values()].map((d) => d.idempotencyKey)).size).toBe(3);
    expect([...deliveries.values()].every((d) => d.status === 'sent')).toBe(true);
    const mails = await waitFor(async () => mailsOf(first).length === 3 && mailsOf(first), 10_000, '3 mails');
    expect(addressesOf(mails)).toEqual(TEAM);
    const links = new Set(mails.map((m) => m.headers['list-unsubscribe']));
    expect(links.size).toBe(3);

    const ann = mails.find((m) => m.to.includes('ann@team.test'))!;
    expect((await unsubscribeWith(ann)).status).toBe(200);
    const suppressed = await stack.testDb.db.prisma.emailSuppression.findMany({
      where: { organizationId: acme.organizationId },
    });
    expect(suppressed.map((row) => row.address)).toEqual(['ann@team.test']);

    const second = await submit(acme, { task: 'recipients.team' });
    const again = await settledDeliveries(second);
    expect(again.get('ann@team.test')).toMatchObject({ status: 'skipped' });
    expect(again.get('ann@team.test')!.reason).toMatch(/unsubscribed/);
    expect(again.get('bob@team.test')!.status).toBe('sent');
    expect(again.get('cy@team.test')!.status).toBe('sent');
    const secondMails = await waitFor(async () => mailsOf(second).length === 2 && mailsOf(second), 10_000);
    expect(addressesOf(secondMails)).toEqual(['bob@team.test', 'cy@team.test']);
  });

  it('a refused address is recorded failed while the others are sent', async () => {
    const id = await submit(acme, { task: 'recipients.partly' });
    const deliveries = await settledDeliveries(id);
    expect(deliveries.get('nobody@nowhere.invalid')).toMatchObject({ status: 'failed' });
    expect(deliveries.get('nobody@nowhere.invalid')!.reason).toMatch(/550/);
    expect(deliveries.get('ok@team.test')!.status).toBe('sent');
    expect(deliveries.get('owner')).toMatchObject({ status: 'sent', address: 'owner@acme.test' });
    expect(addressesOf(mailsOf(id))).toEqual(['ok@team.test', 'owner@acme.test']);
  });

  it("'org-admins' reaches the organization's admins, who unsubscribe through their preferences", async () => {
    const org = acme.organizationId;
    const ada = await createUser(stack.testDb.db, {
      organizationId: org,
      email: 'ada@acme.test',
      role: 'admin',
    });
    await createUser(stack.testDb.db, { organizationId: org, email: 'max@acme.test', role: 'admin' });
    await createUser(stack.testDb.db, { organizationId: org, email: 'mem@acme.test' });
    await createUser(stack.testDb.db, {
      organizationId: other.organizationId,
      email: 'boss@other.test',
      role: 'admin',
    });

    const id = await submit(acme, { task: 'recipients.admins' });
    const deliveries = await settledDeliveries(id);
    expect([...deliveries.keys()].sort()).toEqual(['ada@acme.test', 'max@acme.test']);
    const mails = await waitFor(async () => mailsOf(id).length === 2 && mailsOf(id), 10_000);
    expect(addressesOf(mails)).toEqual(['ada@acme.test', 'max@acme.test']);

    expect((await unsubscribeWith(mails.find((m) => m.to.includes('ada@acme.test'))!)).status).toBe(200);
    const preference = await stack.testDb.db.prisma.notificationPreference.findUnique({
      where: { userId: ada.id },
    });
    expect(preference?.emailEnabled).toBe(false);
    const next = await settledDeliveries(await submit(acme, { task: 'recipients.admins' }));
    expect(next.get('ada@acme.test')).toMatchObject({ status: 'skipped' });
    expect(next.get('max@acme.test')).toMatchObject({ status: 'sent' });
  });
});

describe('notify.to on POST /api/tasks', () => {
  it('adds a recipient for that run only', async () => {
    const withExtra = await submit(acme, {
      task: 'recipients.owner_only',
      notify: { to: ['Extra@Team.test'] },
    });
    const deliveries = await settledDeliveries(withExtra);
    expect([...deliveries.keys()].sort()).toEqual(['extra@team.test', 'owner']);
    const run = await stack.testDb.db.prisma.taskRun.findUnique({ where: { id: withExtra } });
    expect(run?.notifyTo).toEqual(['extra@team.test']);

    const plain = await submit(acme, { task: 'recipients.owner_only' });
    expect([...(await settledDeliveries(plain)).keys()]).toEqual(['owner']);
  });

  it('answers 400 naming the field for too many recipients, a bad address or a task without e-mail', async () => {
    const tooMany = await stack.call(acme, 'POST', '/api/tasks', {
      task: 'recipients.owner_only',
      notify: { to: ['a@x.test', 'b@x.test', 'c@x.test', 'd@x.test'] },
    });
    expect(tooMany.status).toBe(400);
    expect((await json(tooMany)).error.details).toEqual([
      { field: 'notify.to', message: 'at most 3 recipients, got 4' },
    ]);

    const bad = await stack.call(acme, 'POST', '/api/tasks', {
      task: 'recipients.owner_only',
      notify: { to: ['a@x.test', 'Ann <ann@x.test>'] },
    });
    expect(bad.status).toBe(400);
    expect((await json(bad)).error.details[0]).toMatchObject({ field: 'notify.to[1]' });

    const noMail = await stack.call(acme, 'POST', '/api/tasks', {
      task: 'recipients.silent',
      notify: { to: ['a@x.test'] },
    });
    expect(noMail.status).toBe(400);
    expect((await json(noMail)).error.details[0].field).toBe('notify.to');
  });

  it("shows the deliveries masked to the run's organization, and to no other (404)", async () => {
    const id = await submit(acme, { task: 'recipients.owner_only', notify: { to: ['zed@team.test'] } });
    await settledDeliveries(id);
    const own = await json(await stack.call(acme, 'GET', `/api/tasks/${id}`));
    expect(own.notifications.map((n: { address: string }) => n.address).sort()).toEqual([
      'o***@acme.test',
      'z***@team.test',
    ]);
    expect((await stack.call(other, 'GET', `/api/tasks/${id}`)).status).toBe(404);
  });
});

describe('notify.to on POST /api/schedules', () => {
  it("is kept with the schedule; another member's schedule takes an admin (403)", async () => {
    const schedule = { name: 'hourly-team', task: 'recipients.owner_only', input: {}, everyMs: 3_600_000 };
    const created = await stack.call(acme, 'POST', '/api/schedules', {
      ...schedule,
      notify: { to: ['lead@team.test'] },
    });
    expect(created.status).toBe(201);
    expect((await json(created)).notifyTo).toEqual(['lead@team.test']);

    const member = await createUser(stack.testDb.db, {
      organizationId: acme.organizationId,
      email: 'm2@acme.test',
    });
    const admin = await createUser(stack.testDb.db, {
      organizationId: acme.organizationId,
      email: 'a2@acme.test',
      role: 'admin',
    });
    const tokenOf = (userId: string) => createApiToken(stack.testDb.db, { userId, name: 'test' });
    const asMember = { ...acme, userId: member.id, token: (await tokenOf(member.id)).token };
    const asAdmin = { ...acme, userId: admin.id, token: (await tokenOf(admin.id)).token };
    const body = { ...schedule, notify: { to: ['spy@elsewhere.test'] } };
    const refused = await stack.call(asMember, 'POST', '/api/schedules', body);
    expect(refused.status).toBe(403);
    expect((await json(refused)).error.code).toBe('forbidden');
    expect((await stack.call(asAdmin, 'POST', '/api/schedules', body)).status).toBe(201);
    await stack.call(asAdmin, 'DELETE', '/api/schedules/hourly-team');
  });
});

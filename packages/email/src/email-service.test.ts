import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import type { Organization, User } from '@herald/db';
import { createTestDatabase, type TestDatabase } from '@herald/db/testing';
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startDevInbox, type DevInbox } from './dev-inbox';
import { HANDED_OVER_REASON, SMTP_DISABLED_REASON } from './delivery-reasons';
import { DigestSender } from './digest-sender';
import { EmailService } from './email-service';
import { TransientDeliveryError } from './errors';
import { createSmtpTransport } from './smtp-transport';
import { TemplateRenderer } from './template-renderer';
import type { Transport } from './transport';
import { verifyUnsubscribeToken } from './unsubscribe-token';

const SECRET = 'email-service-test-secret';
const CONFIG = {
  from: 'Herald <no-reply@herald.test>',
  frontendUrl: 'https://app.herald.test',
  publicApiUrl: 'https://api.herald.test',
  secret: SECRET,
};
const ONCE = { attempt: 1, maxAttempts: 3 };

let testDb: TestDatabase;
let inbox: DevInbox;
let transport: Transport;
let renderer: TemplateRenderer;
let service: EmailService;
let acme: Organization;
let other: Organization;
let ada: User;
let eve: User;

const silent = pino({ level: 'silent' });

beforeAll(async () => {
  renderer = new TemplateRenderer();
  [testDb, inbox] = await Promise.all([createTestDatabase(), startDevInbox()]);
  await renderer.compileAll();
  transport = createSmtpTransport({
    host: '127.0.0.1',
    port: inbox.smtpPort,
    secure: false,
    requireTLS: false,
    user: undefined,
    password: undefined,
    from: CONFIG.from,
    poolSize: 2,
  });
  service = new EmailService({ db: testDb.db, renderer, transport, config: CONFIG, logger: silent });
  const { prisma } = testDb.db;
  acme = await prisma.organization.create({
    data: { name: 'Acme', brandColor: '#ff6600', footerText: 'Acme Ltd, 1 Main St' },
  });
  other = await prisma.organization.create({ data: { name: 'Other Corp' } });
  ada = await prisma.user.create({ data: { organizationId: acme.id, email: 'ada@acme.test', name: 'Ada' } });
  eve = await prisma.user.create({
    data: { organizationId: other.id, email: 'eve@other.test', name: 'Eve' },
  });
});

afterAll(async () => {
  await transport?.close();
  await inbox?.close();
  await testDb?.drop();
});

beforeEach(() => {
  inbox.refuse(null);
  inbox.clear();
});

interface RunSetup {
  owner?: User;
  organizationId?: string;
  deliveryUserId?: string;
  task?: string;
  template?: string;
  subject?: string;
  phase?: string;
  input?: object;
  result?: object | null;
  error?: object | null;
}

/** A finished run and its pending e-mail delivery, as the task worker writes them. */
async function createDelivery(setup: RunSetup = {}) {
  const owner = setup.owner ?? ada;
  const organizationId = setup.organizationId ?? owner.organizationId;
  const phase = setup.phase ?? 'succeeded';
  const run = await testDb.db.prisma.taskRun.create({
    data: {
      id: randomUUID(),
      organizationId,
      userId: owner.id,
      task: setup.task ?? 'reports.generate',
      input: setup.input ?? {},
      status: phase === 'failed' ? 'failed' : 'succeeded',
      attempts: 1,
      result: setup.result ?? { rows: 42 },
      error: setup.error ?? undefined,
      startedAt: new Date('2025-06-02T14:00:42Z'),
      finishedAt: new Date('2025-06-02T14:03:27Z'),
    },
  });
  const userId = setup.deliveryUserId ?? owner.id;
  return testDb.db.prisma.notificationDelivery.create({
    data: {
      runId: run.id,
      organizationId,
      userId,
      channel: 'email',
      template: setup.template ?? 'task-completion',
      subject: setup.subject ?? 'Task Complete: {{task_name}} - {{status}}',
      phase,
      recipient: userId,
      idempotencyKey: `${run.id}:${phase}:email:${userId}`,
    },
  });
}

const rowOf = (id: string) => testDb.db.prisma.notificationDelivery.findUniqueOrThrow({ where: { id } });

/** Lets a mail that should not arrive have the chance to, before asserting it did not. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 150));

describe('EmailService.deliver', () => {
  it("sends the run's owner one mail with subject, both parts, the results link and unsubscribe headers", async () => {
    const delivery = await createDelivery({ result: { test_run_id: 'tr-7', rows: 42 } });
    const outcome = await service.deliver(delivery.id, ONCE);
    expect(outcome).toMatchObject({ status: 'sent', messageId: expect.stringMatching(/^<.+>$/) });

    const [mail] = await inbox.waitForMessages(1);
    expect(mail?.to).toEqual(['ada@acme.test']);
    expect(mail?.from).toContain('no-reply@herald.test');
    expect(mail?.subject).toBe('Task Complete: reports.generate - succeeded');
    expect(mail?.text).toContain('reports.generate succeeded.');
    expect(mail?.text).toContain('Execution time:  2m 45s');
    expect(mail?.html).toContain('href="https://app.herald.test/test-runs/tr-7"');
    expect(mail?.html).toContain('Acme Ltd, 1 Main St');
    expect(mail?.html).toContain('background-color:#ff6600');
    expect(mail?.messageId).toBe(outcome.messageId);

    const unsubscribe = /^<https:\/\/api\.herald\.test\/unsubscribe\/([^>]+)>$/.exec(
      mail?.headers['list-unsubscribe'] ?? '',
    );
    expect(unsubscribe).not.toBeNull();
    expect(verifyUnsubscribeToken(decodeURIComponent(unsubscribe?.[1] ?? ''), SECRET)).toEqual({
      userId: ada.id,
      organizationId: acme.id,
    });
    expect(mail?.headers['list-unsubscribe-post']).toBe('List-Unsubscribe=One-Click');

    expect(await rowOf(delivery.id)).toMatchObject({
      status: 'sent',
      messageId: outcome.messageId,
      address: 'ada@acme.test',
      attempts: 1,
      reason: null,
      sentAt: expect.any(Date),
    });
  });

  it('links to the run when the result has no test_run_id, and shows the error of a failed run', async () => {
    const delivery = await createDelivery({ phase: 'failed', result: null, error: { message: 'Disk full' } });
    await service.deliver(delivery.id, ONCE);
    const [mail] = await inbox.waitForMessages(1);
    const run = await testDb.db.prisma.taskRun.findUniqueOrThrow({ where: { id: delivery.runId } });
    expect(mail?.html).toContain(`href="https://app.herald.test/runs/${run.id}"`);
    expect(mail?.subject).toBe('Task Complete: reports.generate - failed');
    expect(mail?.text).toContain('Disk full');
  });

  it('escapes a <script> from the result in the HTML', async () => {
    const delivery = await createDelivery({
      template: 'test-execution-summary',
      subject: '{{test_set_name}} done',
      result: {
        test_set_name: '<script>alert(1)</script>',
        total_tests: 2,
        tests_passed: 1,
        tests_failed: 1,
        failed_tests: ['<img src=x onerror=alert(2)>'],
      },
    });
    await service.deliver(delivery.id, ONCE);
    const [mail] = await inbox.waitForMessages(1);
    expect(mail?.html).not.toContain('<script>alert(1)');
    expect(mail?.html).not.toContain('<img src=x');
    expect(mail?.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(mail?.subject).toBe('<script>alert(1)</script> done');
  });

  it('keeps a subject with CR/LF from the result on one line: no injected header, no extra recipient', async () => {
    const delivery = await createDelivery({
      subject: 'Done: {{note}}',
      result: { note: 'ok\r\nBcc: eve@other.test\r\nX-Injected: yes' },
    });
    await service.deliver(delivery.id, ONCE);
    const [mail] = await inbox.waitForMessages(1);
    expect(mail?.to).toEqual(['ada@acme.test']);
    expect(mail?.headers['x-injected']).toBeUndefined();
    expect(mail?.headers.bcc).toBeUndefined();
    expect(mail?.subject).toBe('Done: ok Bcc: eve@other.test X-Injected: yes');
  });

  it('leaves the row pending and throws TransientDeliveryError on 451, then sends exactly one mail on retry', async () => {
    const delivery = await createDelivery();
    inbox.refuse('tempfail');
    const first = await service
      .deliver(delivery.id, { attempt: 1, maxAttempts: 3 })
      .catch((error: unknown) => error);
    expect(first).toBeInstanceOf(TransientDeliveryError);
    expect(await rowOf(delivery.id)).toMatchObject({
      status: 'pending',
      attempts: 1,
      reason: expect.stringContaining('451'),
    });

    inbox.refuse(null);
    expect(await service.deliver(delivery.id, { attempt: 2, maxAttempts: 3 })).toMatchObject({
      status: 'sent',
    });
    await settle();
    expect(inbox.messages).toHaveLength(1);
    expect(await rowOf(delivery.id)).toMatchObject({ status: 'sent', attempts: 2, reason: null });
  });

  it('records failed after the last attempt of a transient error', async () => {
    const delivery = await createDelivery();
    inbox.refuse('tempfail');
    const outcome = await service.deliver(delivery.id, { attempt: 3, maxAttempts: 3 });
    expect(outcome).toMatchObject({
      status: 'failed',
      reason: expect.stringMatching(/Gave up after 3 attempts: SMTP 451/),
    });
    expect((await rowOf(delivery.id)).status).toBe('failed');
  });

  it('records failed with the reason on a permanent 550, without throwing', async () => {
    const delivery = await createDelivery();
    inbox.refuse('reject');
    const outcome = await service.deliver(delivery.id, ONCE);
    expect(outcome).toMatchObject({ status: 'failed', reason: expect.stringContaining('SMTP 550') });
    expect(await rowOf(delivery.id)).toMatchObject({
      status: 'failed',
      reason: expect.stringContaining('550'),
      address: 'ada@acme.test',
    });
  });

  it('sends once when the same delivery is handled again, or twice at the same time', async () => {
    const again = await createDelivery();
    expect((await service.deliver(again.id, ONCE)).status).toBe('sent');
    expect(await service.deliver(again.id, { attempt: 2, maxAttempts: 3 })).toMatchObject({
      status: 'already-done',
    });

    const racing = await createDelivery();
    const attempt = { attempt: 1, maxAttempts: 3 };
    const settled = await Promise.allSettled([
      service.deliver(racing.id, attempt),
      service.deliver(racing.id, attempt),
    ]);
    // The one that loses the claim either finds it taken, or (when it reads the row after the
    // winner's hand-over mark) leaves it for a retry: the winner may still hear a refusal.
    const outcomes = settled.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
    const failures = settled.flatMap((result) => (result.status === 'rejected' ? [result.reason] : []));
    expect(outcomes.filter((outcome) => outcome.status === 'sent')).toHaveLength(1);
    expect(outcomes.filter((outcome) => outcome.status === 'already-done').length + failures.length).toBe(1);
    for (const failure of failures) expect(failure).toBeInstanceOf(TransientDeliveryError);
    await settle();
    expect(inbox.messages).toHaveLength(2);
    expect(await rowOf(racing.id)).toMatchObject({ status: 'sent', reason: null });
  });

  it('never mails a user of another organization, whatever the run input and result say', async () => {
    const named = await createDelivery({
      input: { notify: 'eve@other.test', to: ['eve@other.test'] },
      result: { email: 'eve@other.test', recipient: 'eve@other.test', recipient_name: 'Eve' },
    });
    await service.deliver(named.id, ONCE);
    // A delivery that names Eve's user id inside Acme: the scoped look-up cannot find her.
    const forged = await createDelivery({ deliveryUserId: eve.id });
    const outcome = await service.deliver(forged.id, ONCE);
    expect(outcome.status).toBe('skipped');

    await settle();
    expect(inbox.messages.flatMap((mail) => mail.to)).toEqual(['ada@acme.test']);
    expect(inbox.messages[0]?.text).toContain('Hi Ada,');
    expect(inbox.messages.some((mail) => mail.raw.includes('eve@other.test'))).toBe(false);
  });

  it.each([
    ['a placeholder address', { email: 'system@placeholder.herald' }, /placeholder/],
    ['a system user', { email: 'robot@acme.test', isSystem: true }, /system user/],
    ['no address', { email: null }, /no e-mail address/],
  ])('skips an owner with %s and records why', async (_label, fields, reason) => {
    const owner = await testDb.db.prisma.user.create({
      data: { organizationId: acme.id, name: 'Someone', ...fields },
    });
    const delivery = await createDelivery({ owner });
    expect(await service.deliver(delivery.id, ONCE)).toMatchObject({
      status: 'skipped',
      reason: expect.stringMatching(reason),
    });
    expect(await rowOf(delivery.id)).toMatchObject({
      status: 'skipped',
      reason: expect.stringMatching(reason),
    });
    await settle();
    expect(inbox.messages).toHaveLength(0);
  });

  it('skips an owner who opted out, and one who muted the task', async () => {
    const optedOut = await testDb.db.prisma.user.create({
      data: { organizationId: acme.id, email: 'quiet@acme.test' },
    });
    const muting = await testDb.db.prisma.user.create({
      data: { organizationId: acme.id, email: 'picky@acme.test' },
    });
    await testDb.db.prisma.notificationPreference.createMany({
      data: [
        { organizationId: acme.id, userId: optedOut.id, emailEnabled: false },
        { organizationId: acme.id, userId: muting.id, mutedTasks: ['reports.generate'] },
      ],
    });
    const first = await createDelivery({ owner: optedOut });
    const second = await createDelivery({ owner: muting });
    const mailed = await createDelivery({ owner: muting, task: 'billing.sync' });
    expect(await service.deliver(first.id, ONCE)).toMatchObject({
      status: 'skipped',
      reason: 'Owner opted out of e-mail notifications',
    });
    expect(await service.deliver(second.id, ONCE)).toMatchObject({
      status: 'skipped',
      reason: 'Owner muted notifications for reports.generate',
    });
    expect(await service.deliver(mailed.id, ONCE)).toMatchObject({ status: 'sent' });
    expect((await rowOf(second.id)).status).toBe('skipped');
    await settle();
    expect(inbox.messages.map((mail) => mail.to)).toEqual([['picky@acme.test']]);
  });

  it('writes the hand-over mark as the server takes the mail, then records it sent', async () => {
    const delivery = await createDelivery();
    // The mark's UPDATE is written to PostgreSQL's socket before the end-of-data line goes to the
    // server (the socket-level order is checked in dev-inbox.test.ts); PostgreSQL may apply it a
    // moment after the server stored the mail, so the row is read again for a short while.
    const rowWhenStored = inbox.waitForMessages(1).then(async () => {
      for (let tries = 0; ; tries++) {
        const row = await rowOf(delivery.id);
        if (row.messageId || tries >= 20) return row;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    });
    const outcome = await service.deliver(delivery.id, ONCE);
    const row = await rowWhenStored;
    expect(row.messageId).toBe(outcome.messageId);
    expect(await rowOf(delivery.id)).toMatchObject({
      status: 'sent',
      messageId: outcome.messageId,
      reason: null,
    });
  });

  it('never sends again a mail its worker handed to the server before it stopped', async () => {
    const delivery = await createDelivery();
    // What a worker killed after the hand-over leaves: the row pending, its Message-ID written
    // (a while ago: a redelivered job comes once the dead worker's lock has lapsed).
    await testDb.db.prisma.notificationDelivery.update({
      where: { id: delivery.id },
      data: {
        messageId: '<handed-over@herald.test>',
        attempts: 1,
        updatedAt: new Date(Date.now() - 120_000),
      },
    });
    expect(await service.deliver(delivery.id, { attempt: 2, maxAttempts: 3 })).toMatchObject({
      status: 'sent',
      reason: HANDED_OVER_REASON,
      messageId: '<handed-over@herald.test>',
    });
    await settle();
    expect(inbox.messages).toEqual([]);
    expect(await rowOf(delivery.id)).toMatchObject({
      status: 'sent',
      reason: HANDED_OVER_REASON,
      messageId: '<handed-over@herald.test>',
      sentAt: expect.any(Date),
    });
  });

  it('leaves a mail handed over moments ago for a retry, since its send may still be refused; the last attempt records it', async () => {
    const delivery = await createDelivery();
    await testDb.db.prisma.notificationDelivery.update({
      where: { id: delivery.id },
      data: { messageId: '<in-flight@herald.test>', attempts: 1 },
    });
    await expect(service.deliver(delivery.id, { attempt: 2, maxAttempts: 3 })).rejects.toBeInstanceOf(
      TransientDeliveryError,
    );
    expect(await rowOf(delivery.id)).toMatchObject({
      status: 'pending',
      messageId: '<in-flight@herald.test>',
    });
    expect(await service.deliver(delivery.id, { attempt: 3, maxAttempts: 3 })).toMatchObject({
      status: 'sent',
      reason: HANDED_OVER_REASON,
    });
    await settle();
    expect(inbox.messages).toEqual([]);
  });

  it('clears the hand-over mark when the server refuses the mail, and sends it once on retry', async () => {
    const delivery = await createDelivery();
    inbox.refuse('tempfail');
    await expect(service.deliver(delivery.id, ONCE)).rejects.toBeInstanceOf(TransientDeliveryError);
    expect(await rowOf(delivery.id)).toMatchObject({ status: 'pending', messageId: null });
    inbox.refuse(null);
    expect(await service.deliver(delivery.id, { attempt: 2, maxAttempts: 3 })).toMatchObject({
      status: 'sent',
    });
    expect(inbox.messages).toHaveLength(1);
  });

  it('records a template error as failed', async () => {
    const delivery = await createDelivery({ subject: 'Broken {{#if task_name}}' });
    expect(await service.deliver(delivery.id, ONCE)).toMatchObject({
      status: 'failed',
      reason: expect.stringMatching(/^Template error/),
    });
  });

  it('skips every delivery when SMTP is not configured, and says so once', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const disabled = new EmailService({
      db: testDb.db,
      renderer,
      transport: null,
      config: CONFIG,
      logger: pino(sink),
      smtpProblem: 'SMTP_HOST is not set',
    });
    const deliveries = [await createDelivery(), await createDelivery()];
    for (const delivery of deliveries) {
      expect(await disabled.deliver(delivery.id, ONCE)).toEqual({
        status: 'skipped',
        reason: SMTP_DISABLED_REASON,
      });
      expect(await rowOf(delivery.id)).toMatchObject({ status: 'skipped', reason: SMTP_DISABLED_REASON });
    }
    const warnings = lines
      .map((line) => JSON.parse(line) as { msg: string })
      .filter((entry) => entry.msg === SMTP_DISABLED_REASON);
    expect(warnings).toHaveLength(1);
  });
});

describe('DigestSender', () => {
  /** Three of Ada's deliveries held under one digest key, as EmailService leaves them. */
  async function holdThree(digestKey: string) {
    const held = await Promise.all([createDelivery(), createDelivery(), createDelivery()]);
    await testDb.db.prisma.notificationDelivery.updateMany({
      where: { id: { in: held.map((delivery) => delivery.id) } },
      data: { digestKey, address: 'ada@acme.test', reason: 'Held for the digest' },
    });
    return held.map((delivery) => delivery.id);
  }
  const digestJob = (digestKey: string) => ({ digestKey, organizationId: acme.id, userId: ada.id });
  const digests = () =>
    new DigestSender({ db: testDb.db, renderer, transport, config: CONFIG, logger: silent });

  it('two workers holding the same digest job send one mail: the second finds the digest claimed', async () => {
    const key = `${ada.id}:race-${randomUUID()}`;
    const ids = await holdThree(key);
    const sender = digests();
    const settled = await Promise.allSettled([
      sender.send(digestJob(key), ONCE),
      sender.send(digestJob(key), ONCE),
    ]);
    const sent = settled.filter((result) => result.status === 'fulfilled' && result.value.status === 'sent');
    expect(sent).toHaveLength(1);
    for (const result of settled)
      if (result.status === 'rejected') expect(result.reason).toBeInstanceOf(TransientDeliveryError);
    await settle();
    expect(inbox.messages).toHaveLength(1);
    const rows = await testDb.db.prisma.notificationDelivery.findMany({ where: { id: { in: ids } } });
    expect(rows.map((row) => row.status)).toEqual(['sent', 'sent', 'sent']);
  });

  it('leaves a digest handed over moments ago for a retry, and records an old mark as sent without mailing', async () => {
    const key = `${ada.id}:marked-${randomUUID()}`;
    const ids = await holdThree(key);
    await testDb.db.prisma.notificationDelivery.updateMany({
      where: { id: { in: ids } },
      data: { messageId: '<digest-in-flight@herald.test>' },
    });
    await expect(digests().send(digestJob(key), { attempt: 1, maxAttempts: 3 })).rejects.toBeInstanceOf(
      TransientDeliveryError,
    );
    await testDb.db.prisma.notificationDelivery.updateMany({
      where: { id: { in: ids } },
      data: { updatedAt: new Date(Date.now() - 120_000) },
    });
    expect(await digests().send(digestJob(key), { attempt: 2, maxAttempts: 3 })).toMatchObject({
      status: 'sent',
      reason: HANDED_OVER_REASON,
    });
    await settle();
    expect(inbox.messages).toEqual([]);
  });
});

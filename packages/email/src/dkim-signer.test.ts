import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { loadConfig } from '@herald/config';
import type { Organization, User } from '@herald/db';
import { createTestDatabase, type TestDatabase } from '@herald/db/testing';
import { dkimVerify } from 'mailauth/lib/dkim/verify';
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startDevInbox, type DevInbox } from './dev-inbox';
import { DigestSender } from './digest-sender';
import { EmailService } from './email-service';
import { createTransportFromConfig, emailSettingsFromConfig } from './from-config';
import type { ReceivedMail } from './received-mail';
import { TemplateRenderer } from './template-renderer';
import type { Transport } from './transport';

const SELECTOR = 'herald2026';
const DOMAIN = 'herald.test';
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PUBLIC_KEY_RECORD = `v=DKIM1; k=rsa; p=${publicKey.export({ type: 'spki', format: 'der' }).toString('base64')}`;

/** Answers the one TXT record the test key publishes, as DNS would: no network is needed. */
async function resolver(name: string, type: string): Promise<string[][]> {
  if (type === 'TXT' && name === `${SELECTOR}._domainkey.${DOMAIN}`) return [[PUBLIC_KEY_RECORD]];
  throw Object.assign(new Error(`no ${type} record for ${name}`), { code: 'ENOTFOUND' });
}

async function verify(raw: string) {
  const { results } = await dkimVerify(Buffer.from(raw), { resolver });
  return results;
}

/** The lower-case header names a DKIM-Signature covers (its h= tag). */
function signedHeaderNames(raw: string): string[] {
  const header = /^DKIM-Signature:((?:.*)(?:\r\n[ \t].*)*)/im.exec(raw)?.[1] ?? '';
  const h = /\bh=([^;]+)/.exec(header.replace(/\r\n[ \t]+/g, ''))?.[1] ?? '';
  return h.split(':').map((name) => name.trim().toLowerCase());
}

let testDb: TestDatabase;
let inbox: DevInbox;
let transport: Transport;
let renderer: TemplateRenderer;
let acme: Organization;
let ada: User;
const silent = pino({ level: 'silent' });

function productionConfig(port: number) {
  return loadConfig({
    NODE_ENV: 'production',
    HERALD_SECRET: 'dkim-test-secret-of-enough-length',
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: String(port),
    SMTP_FROM: `Herald <no-reply@${DOMAIN}>`,
    PUBLIC_API_URL: 'https://api.herald.test',
    FRONTEND_URL: 'https://app.herald.test',
    DKIM_DOMAIN: DOMAIN,
    DKIM_SELECTOR: SELECTOR,
    // As a Secret often carries a PEM in one environment variable: line breaks written as \n.
    DKIM_PRIVATE_KEY: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString().replaceAll('\n', '\\n'),
  });
}

let config: ReturnType<typeof productionConfig>;

beforeAll(async () => {
  renderer = new TemplateRenderer();
  [testDb, inbox] = await Promise.all([createTestDatabase(), startDevInbox()]);
  await renderer.compileAll();
  config = productionConfig(inbox.smtpPort);
  expect(config.warnings).toEqual([]);
  transport = createTransportFromConfig(config)!;
  acme = await testDb.db.prisma.organization.create({ data: { name: 'Acme "Labs"' } });
  ada = await testDb.db.prisma.user.create({
    data: { organizationId: acme.id, email: 'ada@acme.test', name: 'Ada' },
  });
});

afterAll(async () => {
  await transport?.close();
  await inbox?.close();
  await testDb?.drop();
});

beforeEach(() => inbox.clear());

async function createDelivery() {
  const run = await testDb.db.prisma.taskRun.create({
    data: {
      id: randomUUID(),
      organizationId: acme.id,
      userId: ada.id,
      task: 'reports.build',
      input: {},
      status: 'succeeded',
      attempts: 1,
      result: { rows: 3 },
      startedAt: new Date(Date.now() - 5_000),
      finishedAt: new Date(),
    },
  });
  return testDb.db.prisma.notificationDelivery.create({
    data: {
      runId: run.id,
      organizationId: acme.id,
      userId: ada.id,
      channel: 'email',
      template: 'task-completion',
      subject: 'Task Complete: {{task_name}} - {{status}}',
      phase: 'succeeded',
      recipient: ada.id,
      idempotencyKey: `${run.id}:succeeded:email:${ada.id}`,
    },
  });
}

async function sendOneMail(): Promise<ReceivedMail> {
  const service = new EmailService({
    db: testDb.db,
    renderer,
    transport,
    config: emailSettingsFromConfig(config),
    logger: silent,
  });
  const delivery = await createDelivery();
  expect(await service.deliver(delivery.id, { attempt: 1, maxAttempts: 3 })).toMatchObject({
    status: 'sent',
  });
  const [mail] = await inbox.waitForMessages(1);
  return mail!;
}

describe('DKIM, in production mode', () => {
  it('signs a run mail; a verifier given the TXT record passes it, with both List-Unsubscribe headers signed', async () => {
    const mail = await sendOneMail();
    const [result, ...others] = await verify(mail.raw);
    expect(others).toEqual([]);
    expect(result!.status.result).toBe('pass');
    expect(result!.signingDomain).toBe(DOMAIN);
    expect(result!.selector).toBe(SELECTOR);
    const signed = signedHeaderNames(mail.raw);
    for (const name of [
      'from',
      'to',
      'subject',
      'date',
      'message-id',
      'list-unsubscribe',
      'list-unsubscribe-post',
      'list-id',
    ])
      expect(signed, name).toContain(name);
  });

  it('carries the organization list, no auto-replies, and a Message-ID in the From domain', async () => {
    const mail = await sendOneMail();
    expect(mail.headers['list-id']).toBe(
      `"Acme \\"Labs\\" notifications" <${acme.id.toLowerCase()}.notifications.${DOMAIN}>`,
    );
    expect(mail.headers['x-auto-response-suppress']).toBe('All');
    expect(mail.headers['auto-submitted']).toBe('auto-generated');
    expect(mail.messageId).toMatch(new RegExp(`^<[0-9a-f-]{36}@${DOMAIN.replace('.', '\\.')}>$`));
  });

  it('fails verification once a signed header is changed after signing', async () => {
    const mail = await sendOneMail();
    const tampered = mail.raw.replace(
      /^List-Unsubscribe:\s*<[^>]+>/im,
      'List-Unsubscribe: <https://evil.test/unsubscribe>',
    );
    expect(tampered).not.toBe(mail.raw);
    const [result] = await verify(tampered);
    expect(result!.status.result).toBe('fail');
    const [subjectChanged] = await verify(mail.raw.replace(/^Subject: /im, 'Subject: Re: '));
    expect(subjectChanged!.status.result).toBe('fail');
  });

  it('signs a digest too', async () => {
    const held = await Promise.all([createDelivery(), createDelivery()]);
    const digestKey = `digest-${randomUUID()}`;
    await testDb.db.prisma.notificationDelivery.updateMany({
      where: { id: { in: held.map((delivery) => delivery.id) } },
      data: { digestKey, address: 'ada@acme.test', reason: 'Held for the digest' },
    });
    const sender = new DigestSender({
      db: testDb.db,
      renderer,
      transport,
      config: emailSettingsFromConfig(config),
      logger: silent,
    });
    const outcome = await sender.send(
      { digestKey, organizationId: acme.id, userId: ada.id },
      { attempt: 1, maxAttempts: 3 },
    );
    expect(outcome).toMatchObject({ status: 'sent' });
    const [mail] = await inbox.waitForMessages(1);
    const [result] = await verify(mail!.raw);
    expect(result!.status.result).toBe('pass');
    expect(signedHeaderNames(mail!.raw)).toEqual(
      expect.arrayContaining(['list-unsubscribe', 'list-unsubscribe-post']),
    );
  });
});

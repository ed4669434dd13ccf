import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emailNotificationTest, RunLedger } from '@herald/core';
import { createDatabase, createOrganization, createUser, type Database } from '@herald/db';
import { createTestDatabase, testServerUrl, type TestDatabase } from '@herald/db/testing';
import {
  createSmtpTransport,
  EmailService,
  startDevInbox,
  TemplateRenderer,
  type DevInbox,
  type Transport,
} from '@herald/email';
import { startTcpProxy, type TcpProxy } from './support/tcp-proxy';

/**
 * The SMTP server has accepted the mail, and PostgreSQL goes away before the delivery row says
 * `sent`. The row must still end `sent` once PostgreSQL is back: a row left `pending` makes the
 * ledger disagree with the inbox, and the outbox sweep would send it again later.
 */
let testDb: TestDatabase;
let proxy: TcpProxy;
let db: Database;
let inbox: DevInbox;
let smtp: Transport;

beforeAll(async () => {
  testDb = await createTestDatabase();
  const server = new URL(testServerUrl());
  proxy = await startTcpProxy({ host: server.hostname, port: Number(server.port || 5432) });
  db = createDatabase({ url: proxy.rewrite(testDb.url), poolSize: 4 });
  inbox = await startDevInbox({ smtpPort: 0 });
  smtp = createSmtpTransport({
    host: '127.0.0.1',
    port: inbox.smtpPort,
    secure: false,
    requireTLS: false,
    user: undefined,
    password: undefined,
    from: 'Herald <herald@herald.test>',
    poolSize: 1,
  });
}, 60_000);
afterAll(async () => {
  await smtp?.close();
  await inbox?.close();
  await db?.close();
  await proxy?.close();
  await testDb?.drop();
});

describe('a mail sent just before PostgreSQL goes away', () => {
  it('is recorded as sent once PostgreSQL is back, and sent once', async () => {
    const org = await createOrganization(testDb.db, { name: 'Acme' });
    const user = await createUser(testDb.db, { organizationId: org.id, email: 'ada@acme.test', name: 'Ada' });
    const ledger = new RunLedger(testDb.db.pool);
    const run = {
      id: randomUUID(),
      organizationId: org.id,
      userId: user.id,
      task: emailNotificationTest.name,
      input: {},
      maxAttempts: 1,
    };
    await ledger.insertQueued([run]);
    await ledger.start({ ...run, attempt: 1 });
    const { deliveries } = await ledger.end({
      ...run,
      status: 'succeeded',
      attempts: 1,
      result: { message: 'hi' },
      notifications: emailNotificationTest.notifications.map((rule) => ({
        rule,
        phase: 'succeeded' as const,
        attempt: 1,
      })),
    });
    expect(deliveries).toMatchObject([{ channel: 'email' }]);

    // The database goes away the moment the SMTP server has the mail, for 3 s.
    const cutAfterSend: Transport = {
      ...smtp,
      async send(mail) {
        const sent = await smtp.send(mail);
        await proxy.setMode('refuse');
        void sleep(3_000).then(() => proxy.setMode('up'));
        return sent;
      },
    };
    const renderer = new TemplateRenderer();
    await renderer.compileAll();
    const service = new EmailService({
      db,
      renderer,
      transport: cutAfterSend,
      logger: pino({ level: 'silent' }),
      config: {
        from: 'Herald <herald@herald.test>',
        frontendUrl: 'https://app.herald.test',
        publicApiUrl: 'https://api.herald.test',
        secret: 'x'.repeat(32),
      },
    });
    const outcome = await service.deliver(deliveries[0]!.id, { attempt: 1, maxAttempts: 8 });

    expect(outcome.status).toBe('sent');
    const row = await testDb.db.prisma.notificationDelivery.findUniqueOrThrow({
      where: { id: deliveries[0]!.id },
    });
    expect(row.status).toBe('sent');
    expect(inbox.messages).toHaveLength(1);
  }, 90_000);
});

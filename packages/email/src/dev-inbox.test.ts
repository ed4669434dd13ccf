import type { SmtpConfig } from '@herald/config';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startDevInbox, type DevInbox } from './dev-inbox';
import { classifySendError } from './send-errors';
import { createSmtpTransport } from './smtp-transport';
import type { OutgoingMail, Transport } from './transport';

let inbox: DevInbox;
let transport: Transport;

const smtpTo = (port: number): SmtpConfig => ({
  host: '127.0.0.1',
  port,
  secure: false,
  requireTLS: false,
  user: undefined,
  password: undefined,
  from: 'Herald <no-reply@herald.test>',
  poolSize: 2,
});

const mail = (subject: string): OutgoingMail => ({
  from: 'Herald <no-reply@herald.test>',
  to: { address: 'ada@acme.test', name: 'Ada' },
  subject,
  html: '<p>Hello <b>Ada</b></p>',
  text: 'Hello Ada',
  headers: { 'X-Herald-Test': 'yes' },
});

async function sendError(send: Promise<unknown>): Promise<unknown> {
  return send.then(
    () => {
      throw new Error('expected the send to fail');
    },
    (error: unknown) => error,
  );
}

beforeAll(async () => {
  inbox = await startDevInbox({ smtpPort: 0, httpPort: 0 });
  transport = createSmtpTransport(smtpTo(inbox.smtpPort));
});

afterAll(async () => {
  await transport?.close();
  await inbox?.close();
});

beforeEach(() => {
  inbox.refuse(null);
  inbox.clear();
});

describe('dev inbox with the pooled SMTP transport', () => {
  it('receives a mail with its recipient, subject, both parts and headers', async () => {
    await transport.verify();
    const { messageId } = await transport.send(mail('Grüße aus Herald'));
    const [received] = await inbox.waitForMessages(1);
    expect(received).toMatchObject({
      to: ['ada@acme.test'],
      envelopeFrom: 'no-reply@herald.test',
      subject: 'Grüße aus Herald',
      text: 'Hello Ada',
      messageId,
    });
    expect(received?.html).toContain('<b>Ada</b>');
    expect(received?.headers['x-herald-test']).toBe('yes');
    expect(received?.headers.to).toBe('Ada <ada@acme.test>');
    // Herald's own Message-ID, at the sender's domain, and one multipart boundary for both parts.
    expect(messageId).toMatch(/^<[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}@herald\.test>$/);
    const boundary = /boundary="([^"]+)"/.exec(received!.raw)?.[1];
    expect(boundary).toMatch(/^--_NmP-[0-9a-f]{32}-Part_1$/);
    expect(received!.raw.split(`--${boundary}`)).toHaveLength(4);
  });

  it("keep: 'headers' records the envelope and headers only, for load tests", async () => {
    const light = await startDevInbox({ keep: 'headers' });
    const sender = createSmtpTransport(smtpTo(light.smtpPort));
    try {
      const { messageId } = await sender.send(mail('Plain subject'));
      const [received] = await light.waitForMessages(1);
      expect(received).toMatchObject({
        to: ['ada@acme.test'],
        envelopeFrom: 'no-reply@herald.test',
        subject: 'Plain subject',
        messageId,
        text: '',
        html: '',
        raw: '',
      });
      expect(received?.headers['x-herald-test']).toBe('yes');
    } finally {
      await sender.close();
      await light.close();
    }
  });

  it('holds the end of data while the hand-over is prepared, and writes the record right before it', async () => {
    let storedWhilePreparing: number | null = null;
    const recordWrites: number[] = [];
    let handedOver = '';
    const sent = await transport.send({
      ...mail('held'),
      prepareHandOver: async (messageId) => {
        handedOver = messageId;
        await new Promise((resolve) => setTimeout(resolve, 200));
        storedWhilePreparing = inbox.messages.length;
        return () => recordWrites.push(inbox.messages.length);
      },
    });
    expect(storedWhilePreparing).toBe(0);
    // Written once, before the server could store the mail.
    expect(recordWrites).toEqual([0]);
    expect(handedOver).toBe(sent.messageId);
    const [received] = await inbox.waitForMessages(1);
    expect(received?.messageId).toBe(sent.messageId);
  });

  it('writes no record for a mail the server refuses before DATA', async () => {
    inbox.refuse('reject');
    let writes = 0;
    await sendError(
      transport.send({
        ...mail('refused'),
        prepareHandOver: () => Promise.resolve(() => writes++),
      }),
    );
    inbox.refuse(null);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(writes).toBe(0);
    await transport.send(mail('after'));
    expect((await inbox.waitForMessages(1)).map((m) => m.subject)).toEqual(['after']);
  });

  it('abandons the mail when the hand-over cannot be prepared: the server stores nothing, the pool goes on', async () => {
    const error = await sendError(
      transport.send({
        ...mail('abandoned'),
        prepareHandOver: () => Promise.reject(new Error('database unreachable')),
      }),
    );
    expect(String(error)).toContain('database unreachable');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(inbox.messages).toEqual([]);
    await transport.send(mail('after'));
    expect((await inbox.waitForMessages(1)).map((m) => m.subject)).toEqual(['after']);
  });

  it('sends many mails over the pool', async () => {
    await Promise.all(Array.from({ length: 20 }, (_, index) => transport.send(mail(`mail ${index}`))));
    expect(await inbox.waitForMessages(20)).toHaveLength(20);
  });

  it('tempfail answers 451: a transient error the sender retries, then the mail goes through', async () => {
    inbox.refuse('tempfail');
    const error = await sendError(transport.send(mail('later')));
    expect(classifySendError(error)).toEqual({
      kind: 'transient',
      reason: expect.stringContaining('SMTP 451'),
    });
    expect(inbox.messages).toHaveLength(0);
    inbox.refuse(null);
    await transport.send(mail('later'));
    expect(await inbox.waitForMessages(1)).toHaveLength(1);
  });

  it('reject answers 550: a permanent error', async () => {
    inbox.refuse('reject');
    const error = await sendError(transport.send(mail('never')));
    expect(classifySendError(error)).toEqual({
      kind: 'permanent',
      reason: expect.stringContaining('SMTP 550'),
    });
  });

  it('lists messages over HTTP, as an escaped HTML page and as JSON', async () => {
    await transport.send(mail('<b>Subject</b> with markup'));
    await inbox.waitForMessages(1);
    const page = await (await fetch(`${inbox.httpUrl}/`)).text();
    expect(page).toContain('&#60;b&#62;Subject&#60;/b&#62; with markup');
    expect(page).toContain('ada@acme.test');
    const json = (await (await fetch(`${inbox.httpUrl}/api/messages`)).json()) as {
      messages: Array<{ subject: string }>;
    };
    expect(json.messages.map((message) => message.subject)).toEqual(['<b>Subject</b> with markup']);
  });

  it('waitForMessages rejects with a clear message on timeout', async () => {
    await expect(inbox.waitForMessages(1, 50)).rejects.toThrow('expected 1 message(s) within 50 ms, got 0');
  });

  it('closes quickly even with pooled connections open', async () => {
    const other = await startDevInbox();
    const pooled = createSmtpTransport(smtpTo(other.smtpPort));
    await pooled.send(mail('keep the connection open'));
    const started = performance.now();
    await other.close();
    expect(performance.now() - started).toBeLessThan(1000);
    await pooled.close();
  });
});

describe('classifySendError', () => {
  it('counts a refused connection as transient', async () => {
    const closed = await startDevInbox();
    await closed.close();
    const nowhere = createSmtpTransport({ ...smtpTo(closed.smtpPort), poolSize: 1 }, { pool: false });
    const error = await sendError(nowhere.send(mail('nobody listens')));
    expect(classifySendError(error)).toEqual({
      kind: 'transient',
      reason: expect.stringMatching(/ECONNREFUSED/),
    });
  });

  it.each<[Record<string, unknown> | Error, string]>([
    [{ code: 'EENVELOPE', responseCode: 451, response: '451 4.3.0 try later' }, 'transient'],
    [{ code: 'EENVELOPE', responseCode: 550, response: '550 5.1.1 no such user' }, 'permanent'],
    [{ code: 'EENVELOPE', message: 'No recipients defined' }, 'permanent'],
    [{ code: 'ETIMEDOUT', message: 'Connection timeout' }, 'transient'],
    [{ code: 'EAUTH', responseCode: 535, response: '535 bad credentials' }, 'permanent'],
    [new Error('something odd'), 'transient'],
  ])('%o is %s', (error, kind) => {
    const thrown =
      error instanceof Error
        ? error
        : Object.assign(new Error(String(error.message ?? error.response)), error);
    expect(classifySendError(thrown).kind).toBe(kind);
  });
});

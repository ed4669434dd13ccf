import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { AddressObject } from 'mailparser';
import type { SMTPServerDataStream, SMTPServerSession } from 'smtp-server';
import { startInboxHttp, type InboxHttp } from './dev-inbox-http';
import type { ReceivedMail } from './received-mail';

export type { ReceivedMail } from './received-mail';

export type RefuseMode = null | 'tempfail' | 'reject';

export interface DevInbox {
  smtpPort: number;
  /** Base URL of the HTTP inbox, or null without one. */
  httpUrl: string | null;
  /** Accepted mails in arrival order; the same array for the inbox's lifetime. */
  messages: ReceivedMail[];
  /** Resolves with the messages once at least `count` have arrived; rejects after timeoutMs. */
  waitForMessages(count: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  clear(): void;
  /** 'tempfail' answers 451 to RCPT TO and DATA (senders retry), 'reject' 550, null accepts again. */
  refuse(mode: RefuseMode): void;
  close(): Promise<void>;
}

export interface DevInboxOptions {
  /** 0 (the default) picks a free port. */
  smtpPort?: number;
  /** null or undefined: no HTTP inbox; 0: a free port. */
  httpPort?: number | null;
  host?: string;
  /**
   * 'headers' keeps only the envelope and the header block (subject, Message-ID...), with text,
   * html and raw left empty: a sink for load tests, where parsing every body would cost more
   * than the sender it measures. 'all' (the default) parses the whole mail.
   */
  keep?: 'all' | 'headers';
}

const MAX_MESSAGE_BYTES = 25 * 1024 * 1024;
/** close() waits this long for clients to say QUIT, then cuts them off (pooled senders never do). */
const CLOSE_GRACE_MS = 50;

function smtpError(message: string, responseCode: number): Error {
  return Object.assign(new Error(message), { responseCode });
}

/**
 * `.invalid` is reserved never to exist (RFC 2606): the inbox refuses such a recipient as a real
 * server refuses an unknown domain, so one bad address among several can be tried end to end.
 */
const RESERVED_INVALID = /\.invalid$/i;
const NO_SUCH_DOMAIN = () => smtpError('Recipient address rejected: domain does not exist', 550);

function refusal(mode: RefuseMode): Error | null {
  if (mode === 'tempfail') return smtpError('Mailbox temporarily unavailable, try again later', 451);
  if (mode === 'reject') return smtpError('Mailbox unavailable, delivery refused', 550);
  return null;
}

function headerRecord(lines: ReadonlyArray<{ key: string; line: string }>): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const { key, line } of lines) {
    const value = line
      .slice(line.indexOf(':') + 1)
      .replace(/\r?\n[ \t]+/g, ' ')
      .trim();
    headers[key.toLowerCase()] ??= value;
  }
  return headers;
}

/** The envelope and headers of a mail, without parsing its body. */
function headersOnly(raw: Buffer, session: SMTPServerSession): Omit<ReceivedMail, 'id'> {
  const end = raw.indexOf('\r\n\r\n');
  const block = raw.toString('utf8', 0, end < 0 ? raw.length : end).replace(/\r\n[ \t]+/g, ' ');
  const lines = block.split('\r\n').map((line) => ({ key: line.slice(0, line.indexOf(':')), line }));
  const headers = headerRecord(lines.filter(({ key }) => key.length > 0));
  return {
    to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
    from: headers.from ?? '',
    envelopeFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
    // As sent: an encoded word (=?UTF-8?...?=) stays encoded.
    subject: headers.subject ?? '',
    text: '',
    html: '',
    headers,
    messageId: headers['message-id'] ?? '',
    raw: '',
    receivedAt: new Date(),
  };
}

const addressText = (value: AddressObject | AddressObject[] | undefined) =>
  (Array.isArray(value) ? value.map((entry) => entry.text).join(', ') : value?.text) ?? '';

/**
 * An SMTP server that keeps what it receives in memory: the SMTP sink of tests and of
 * `herald demo`. Plain SMTP without STARTTLS or required AUTH, so any client can talk to it.
 */
export async function startDevInbox(options: DevInboxOptions = {}): Promise<DevInbox> {
  // Loaded here, not with the package: a worker that never starts an inbox does not carry them.
  const [{ simpleParser }, { SMTPServer }] = await Promise.all([import('mailparser'), import('smtp-server')]);
  const host = options.host ?? '127.0.0.1';
  const messages: ReceivedMail[] = [];
  const waiters = new Set<() => void>();
  let mode: RefuseMode = null;
  let nextId = 1;

  async function accept(stream: SMTPServerDataStream, session: SMTPServerSession): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    if (stream.sizeExceeded) throw smtpError('Message exceeds the size limit', 552);
    const refused = refusal(mode);
    if (refused) throw refused;
    const raw = Buffer.concat(chunks);
    if (options.keep === 'headers') return store(headersOnly(raw, session));
    const parsed = await simpleParser(raw);
    return store({
      to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
      from: addressText(parsed.from),
      envelopeFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
      subject: parsed.subject ?? '',
      text: parsed.text ?? '',
      html: typeof parsed.html === 'string' ? parsed.html : '',
      headers: headerRecord(parsed.headerLines),
      messageId: parsed.messageId ?? '',
      raw: raw.toString('utf8'),
      receivedAt: new Date(),
    });
  }

  function store(mail: Omit<ReceivedMail, 'id'>): string {
    const id = nextId++;
    messages.push({ id, ...mail });
    for (const wake of [...waiters]) wake();
    return `Queued as ${id}`;
  }

  const server = new SMTPServer({
    name: 'herald-dev-inbox',
    banner: 'Herald dev inbox',
    logger: false,
    disableReverseLookup: true,
    authOptional: true,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    size: MAX_MESSAGE_BYTES,
    closeTimeout: CLOSE_GRACE_MS,
    onAuth: (_auth, _session, callback) => callback(null, { user: 'dev' }),
    onRcptTo: (address, _session, callback) =>
      callback(refusal(mode) ?? (RESERVED_INVALID.test(address.address) ? NO_SUCH_DOMAIN() : null)),
    onData: (stream, session, callback) => {
      void accept(stream, session).then(
        (message) => callback(null, message),
        (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))),
      );
    },
  });
  // A client that drops its connection is routine for a sink; it must not crash the process.
  server.on('error', () => undefined);
  server.listen(options.smtpPort ?? 0, host);
  await once(server.server, 'listening');
  const smtpPort = (server.server.address() as AddressInfo).port;

  let http: InboxHttp | null = null;
  try {
    if (options.httpPort !== undefined && options.httpPort !== null)
      http = await startInboxHttp(messages, options.httpPort, host);
  } catch (error) {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    throw error;
  }

  let closing: Promise<void> | null = null;

  return {
    smtpPort,
    httpUrl: http?.url ?? null,
    messages,
    waitForMessages(count, timeoutMs = 5000) {
      return new Promise<ReceivedMail[]>((resolve, reject) => {
        const check = () => {
          if (messages.length < count) return;
          cleanup();
          resolve([...messages]);
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(
            new Error(
              `Dev inbox: expected ${count} message(s) within ${timeoutMs} ms, got ${messages.length}`,
            ),
          );
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    clear() {
      messages.length = 0;
    },
    refuse(next) {
      mode = next;
    },
    close() {
      closing ??= Promise.all([
        new Promise<void>((resolve) => server.close(() => resolve())),
        http?.close(),
      ]).then(() => undefined);
      return closing;
    },
  };
}

import type { SmtpConfig } from '@herald/config';
import net from 'node:net';
import nodemailer, { type Transporter } from 'nodemailer';
import MailComposer from 'nodemailer/lib/mail-composer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport';
import type SMTPPool from 'nodemailer/lib/smtp-pool';
import type { OutgoingMail, SentMail, Transport } from './transport';

/** A dead or slow server fails the attempt quickly; the queue retries it with backoff. */
const CONNECTION_TIMEOUT_MS = 10_000;
const GREETING_TIMEOUT_MS = 10_000;
const SOCKET_TIMEOUT_MS = 30_000;

type SocketCallback = (error: Error | null, socketOptions?: { connection: net.Socket }) => void;

/** Marks the errors of openSocket (see createSmtpTransport's send for why it matters). */
const CONNECT_FAILED = Symbol('herald.smtp.connectFailed');

/**
 * Opens the TCP connection for nodemailer, with Nagle's algorithm off. nodemailer writes the
 * end-of-data dot as a separate small segment; with Nagle on, it waits for the server's
 * delayed ACK (40 ms on Linux), which capped each pooled connection at about 20 mails/s.
 * nodemailer still does everything else on this socket: greeting, STARTTLS or implicit TLS, AUTH.
 */
function openSocket(host: string, port: number): (options: unknown, callback: SocketCallback) => void {
  return (_options, callback) => {
    const socket = net.connect({ host, port, noDelay: true, timeout: CONNECTION_TIMEOUT_MS });
    const fail = (error: Error) => {
      socket.destroy();
      callback(Object.assign(error, { [CONNECT_FAILED]: true }));
    };
    socket.once('error', fail);
    socket.once('timeout', () =>
      fail(Object.assign(new Error(`Connection to ${host}:${port} timed out`), { code: 'ETIMEDOUT' })),
    );
    socket.once('connect', () => {
      socket.off('error', fail);
      socket.setTimeout(0);
      socket.removeAllListeners('timeout');
      socket.setKeepAlive(true);
      callback(null, { connection: socket });
    });
  };
}

export interface SmtpTransportOptions {
  /** Keep connections open and reuse them (the default). Off only for one-shot tools and benchmarks. */
  pool?: boolean;
}

/**
 * SMTP through nodemailer. Pooled: up to `smtp.poolSize` connections stay open and carry
 * many mails each, so a burst of notifications does not pay a TCP + TLS + AUTH handshake per mail.
 * `secure` is implicit TLS (port 465); otherwise nodemailer upgrades with STARTTLS whenever the
 * server offers it, and `requireTLS` refuses to send over a connection that was not upgraded.
 */
export function createSmtpTransport(smtp: SmtpConfig, options: SmtpTransportOptions = {}): Transport {
  const settings: SMTPTransport.Options = {
    host: smtp.host,
    port: smtp.port,
    secure: smtp.secure,
    requireTLS: smtp.requireTLS,
    auth: smtp.user && smtp.password ? { user: smtp.user, pass: smtp.password } : undefined,
    connectionTimeout: CONNECTION_TIMEOUT_MS,
    greetingTimeout: GREETING_TIMEOUT_MS,
    socketTimeout: SOCKET_TIMEOUT_MS,
    // Mail content never names files or URLs to attach: refuse both, so data cannot make the worker read them.
    disableFileAccess: true,
    disableUrlAccess: true,
    getSocket: openSocket(smtp.host, smtp.port),
  };
  const isPooled = options.pool !== false;
  const createTransporter = (): Transporter =>
    isPooled
      ? nodemailer.createTransport({
          ...settings,
          pool: true,
          maxConnections: smtp.poolSize,
        } satisfies SMTPPool.Options)
      : nodemailer.createTransport(settings);
  let transporter = createTransporter();

  return {
    async send(mail: OutgoingMail): Promise<SentMail> {
      const current = transporter;
      // Built in memory first and handed over whole: nodemailer then writes it to the socket in
      // a few large writes, where streaming the MIME tree wrote one small segment per line.
      const message = new MailComposer({
        from: mail.from,
        to: { name: mail.to.name ?? '', address: mail.to.address },
        subject: mail.subject,
        html: mail.html,
        text: mail.text,
        headers: mail.headers,
        // Base64 for the HTML and text parts: Buffer's native encoder, where quoted-printable is a
        // JS encoder behind two regex scans of the whole HTML to pick an encoding (the largest
        // CPU cost of building a mail). Readers decode either; the HTML grows by about a quarter.
        textEncoding: 'base64',
        disableFileAccess: true,
        disableUrlAccess: true,
      }).compile();
      const messageId = message.messageId();
      const raw = await message.build();
      await current.sendMail({
        // The envelope is set explicitly: the one address is the only RCPT TO, whatever the headers say.
        envelope: { from: mail.from, to: [mail.to.address] },
        raw,
      }).catch((error: unknown) => {
        // nodemailer's pool keeps the slot of a connection whose socket could not be opened, for
        // good: after poolSize refused connects (an SMTP outage) every later send would wait
        // forever. Start a new pool; closing the old one fails what it still queues, and the
        // notification queue retries those.
        if (isPooled && (error as Record<symbol, unknown> | null)?.[CONNECT_FAILED] && transporter === current) {
          transporter = createTransporter();
          current.close();
        }
        throw error;
      });
      return { messageId };
    },
    async verify(): Promise<void> {
      await transporter.verify();
    },
    async close(): Promise<void> {
      transporter.close();
    },
  };
}

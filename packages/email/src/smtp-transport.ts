import type { SmtpConfig } from '@herald/config';
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { Transform, type Readable, type Writable } from 'node:stream';
import nodemailer, { type Transporter } from 'nodemailer';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import type Mail from 'nodemailer/lib/mailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport';
import type SMTPPool from 'nodemailer/lib/smtp-pool';
import { createDkimSigner } from './dkim-signer';
import type { OutgoingMail, SentMail, Transport } from './transport';

/** A dead or slow server fails the attempt quickly; the queue retries it with backoff. */
const CONNECTION_TIMEOUT_MS = 10_000;
const GREETING_TIMEOUT_MS = 10_000;
/** Also the longest a sent mail waits for the server's answer after its end-of-data line. */
export const SOCKET_TIMEOUT_MS = 30_000;

type SocketCallback = (error: Error | null, socketOptions?: { connection: net.Socket }) => void;

/**
 * Opens the TCP connection for nodemailer, with Nagle's algorithm off. nodemailer writes the
 * end-of-data dot as a separate small segment; with Nagle on, it waits for the server's
 * delayed ACK (40 ms on Linux), which capped each pooled connection at about 20 mails/s.
 * nodemailer still does everything else on this socket: greeting, STARTTLS or implicit TLS, AUTH.
 *
 * Rule: the socket is handed over before it connects, and this never calls back with an error.
 * A refused or failed connect must reach nodemailer as an error of the socket, which its pool
 * handles (the mail fails, the connection slot is freed). An error passed to this callback
 * fails the mail but keeps the slot taken for good: after poolSize refused connects (an SMTP
 * outage) every later send would wait forever. A connect that hangs ends at the greeting timeout.
 */
function openSocket(host: string, port: number): (options: unknown, callback: SocketCallback) => void {
  return (_options, callback) => {
    callback(null, { connection: net.connect({ host, port, noDelay: true, keepAlive: true }) });
  };
}

/** The hand-over of the mail nodemailer is streaming, carried in its data. */
interface HookedMailData {
  heldEnd?: HeldEnd;
}

/**
 * What holds a message's end: the preparation of the hand-over record, whether the send it
 * belongs to has already ended, and the undoing of an armed socket.
 */
interface HeldEnd {
  prepare: () => Promise<() => void>;
  hasEnded: () => boolean;
  disarm: (() => void) | null;
}

/** The end-of-data lines nodemailer's DATA encoder writes, by what the message ended with. */
const END_OF_DATA = new Set(['.\r\n', '\n.\r\n', '\r\n.\r\n']);

function isEndOfData(chunk: unknown): boolean {
  if (typeof chunk === 'string') return END_OF_DATA.has(chunk);
  return Buffer.isBuffer(chunk) && chunk.length <= 5 && END_OF_DATA.has(chunk.toString('latin1'));
}

/**
 * Makes the socket call `beforeEnd` right before it writes the end-of-data line, in the same
 * synchronous step. Armed only once every byte of the message is written, so the next writes are
 * at most a line break and that line. Returns what undoes it.
 */
function armEndOfData(socket: net.Socket, beforeEnd: () => void): () => void {
  const own = Object.getOwnPropertyDescriptor(socket, 'write');
  const write = socket.write.bind(socket);
  const disarm = () => {
    if (socket.write !== armed) return;
    if (own) Object.defineProperty(socket, 'write', own);
    else delete (socket as { write?: unknown }).write;
  };
  const armed = ((...args: Parameters<net.Socket['write']>) => {
    if (isEndOfData(args[0])) {
      disarm();
      beforeEnd();
    }
    return write(...args);
  }) as net.Socket['write'];
  socket.write = armed;
  return disarm;
}

/** How long a message's bytes may take to leave for the server before the hook runs all the same. */
const FLUSH_WAIT_MS = SOCKET_TIMEOUT_MS;

type PipedStream = NodeJS.ReadableStream &
  Partial<Pick<Readable, 'readableLength'>> &
  Partial<Pick<Writable, 'writableLength'>> & { _readableState?: { pipes?: PipedStream[] } };

/**
 * The streams a message passes through after `stream`, down to the connection's socket. Node
 * keeps a stream's pipe destinations in `_readableState.pipes`; nodemailer pipes the message
 * through its own transforms and its DATA encoder into the socket.
 */
export function downstreamOf(stream: PipedStream): PipedStream[] {
  const found: PipedStream[] = [];
  const next = [...(stream._readableState?.pipes ?? [])];
  while (next.length && found.length < 16) {
    const current = next.shift()!;
    found.push(current);
    if (!(current instanceof net.Socket)) next.push(...(current._readableState?.pipes ?? []));
  }
  return found;
}

const isHoldingBytes = (stream: PipedStream) =>
  (stream.readableLength ?? 0) > 0 || (stream.writableLength ?? 0) > 0;

/**
 * Resolves with true once every byte `stream` has passed on is with the kernel: the pipes reach
 * the socket (nodemailer pipes the message into the connection only once the server has said
 * 354 to DATA; the message may sit whole in the streams before that) and nothing is left in
 * them. False when the send ends first (nodemailer reads a refused message into a sink of its
 * own). Polls every millisecond: the wait covers the envelope's round trips as well.
 */
export async function waitUntilFlushed(
  stream: PipedStream,
  hasEnded: () => boolean = () => false,
): Promise<boolean> {
  const deadline = Date.now() + FLUSH_WAIT_MS;
  for (;;) {
    if (hasEnded()) return false;
    const path = [stream, ...downstreamOf(stream)];
    const hasReachedSocket = path.some((piped) => piped instanceof net.Socket);
    if ((hasReachedSocket && !path.some(isHoldingBytes)) || Date.now() > deadline) return true;
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/**
 * Passes the message through and holds its end until the hand-over is prepared. nodemailer
 * writes the end-of-data line (CRLF.CRLF) only after the message stream ends, and a server
 * stores a mail only once that line arrives (RFC 5321 §4.1.1.4); if the preparation fails, the
 * stream fails and nodemailer closes the connection mid-DATA, so the server drops the message.
 *
 * Once the whole message has left this process for the socket, the record is prepared, the
 * socket armed so that the record's write and the end-of-data line's follow one another in one
 * synchronous step, and the end let through.
 */
function holdEndUntil(held: HeldEnd): Transform {
  return new Transform({
    transform(chunk, _encoding, done) {
      done(null, chunk);
    },
    flush(done) {
      waitUntilFlushed(this, held.hasEnded)
        .then(async (isLive) => {
          if (!isLive) throw new Error('The send ended before the message was handed over');
          const writeRecord = await held.prepare();
          const socket = downstreamOf(this).find(
            (piped): piped is PipedStream & net.Socket => piped instanceof net.Socket,
          );
          // No socket in sight (the flush wait timed out): write the record now, a step early.
          if (socket) held.disarm = armEndOfData(socket, writeRecord);
          else writeRecord();
        })
        .then(
          () => done(),
          (error: unknown) => done(error instanceof Error ? error : new Error(String(error))),
        );
    },
  });
}

/**
 * A Message-ID of the shape nodemailer makes (`<uuid@sender's domain>`). Herald sets it, and the
 * multipart boundary, itself: nodemailer draws each from crypto.randomBytes, about fourteen calls
 * a mail across the two messages it composes, where randomUUID serves from a cached pool.
 */
function newMessageId(from: string): string {
  const domain = /@([^\s<>@]+)>?\s*$/.exec(from)?.[1] ?? 'localhost';
  return `<${randomUUID()}@${domain}>`;
}

/** nodemailer's message options, with the boundary its MailComposer reads though its types leave it out. */
type ComposedMail = Mail.Options & { baseBoundary: string };

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
  const transporter: Transporter =
    options.pool === false
      ? nodemailer.createTransport(settings)
      : nodemailer.createTransport({
          ...settings,
          pool: true,
          maxConnections: smtp.poolSize,
        } satisfies SMTPPool.Options);
  const sign = smtp.dkim ? createDkimSigner(smtp.dkim) : null;
  // A factory, not a stream: nodemailer builds the message stream again if it sends a mail twice
  // over (a pooled connection that failed before the mail went out).
  transporter.use('stream', (mail, done) => {
    const held = (mail.data as HookedMailData).heldEnd;
    // nodemailer's types name only a stream; its MimeNode calls a function for a fresh one each time.
    if (held) mail.message.transform(() => holdEndUntil(held));
    done();
  });

  return {
    async send(mail: OutgoingMail): Promise<SentMail> {
      // Built in memory first and handed over whole: nodemailer then writes it to the socket in
      // a few large writes, where streaming the MIME tree wrote one small segment per line.
      const composed: ComposedMail = {
        from: mail.from,
        to: { name: mail.to.name ?? '', address: mail.to.address },
        subject: mail.subject,
        html: mail.html,
        text: mail.text,
        // Herald's own headers go out exactly as mail-parts wrote them (already encoded where needed):
        // nodemailer would otherwise turn List-Id's quoted phrase into one encoded word.
        headers: Object.fromEntries(
          Object.entries(mail.headers ?? {}).map(([key, value]) => [key, { prepared: true, foldLines: true, value }]),
        ),
        // Base64 for the HTML and text parts: Buffer's native encoder, where quoted-printable is a
        // JS encoder behind two regex scans of the whole HTML to pick an encoding (the largest
        // CPU cost of building a mail). Readers decode either; the HTML grows by about a quarter.
        textEncoding: 'base64',
        disableFileAccess: true,
        disableUrlAccess: true,
        messageId: newMessageId(mail.from),
        baseBoundary: randomUUID().replaceAll('-', ''),
      };
      const message = new MailComposer(composed).compile();
      const messageId = message.messageId();
      const built = await message.build();
      const raw = sign ? await sign(built) : built;
      const { prepareHandOver } = mail;
      let hasEnded = false;
      const heldEnd: HeldEnd | undefined = prepareHandOver && {
        prepare: () => prepareHandOver(messageId),
        hasEnded: () => hasEnded,
        disarm: null,
      };
      await transporter
        .sendMail({
          // The envelope is set explicitly: the one address is the only RCPT TO, whatever the headers say.
          envelope: { from: mail.from, to: [mail.to.address] },
          raw,
          // The raw message's own: nodemailer would draw another for a wrapper it never sends.
          messageId,
          ...(heldEnd ? { heldEnd } : {}),
        })
        .finally(() => {
          hasEnded = true;
          // A connection that failed before its end-of-data line goes back to writing as usual.
          heldEnd?.disarm?.();
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

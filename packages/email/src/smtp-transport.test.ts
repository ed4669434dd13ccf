import net from 'node:net';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { PassThrough, Transform } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SMTPServer } from 'smtp-server';
import { createSmtpTransport, downstreamOf, waitUntilFlushed } from './smtp-transport';

describe('waitUntilFlushed', () => {
  let server: net.Server;
  let peer: net.Socket | null = null;
  let received = 0;

  beforeAll(async () => {
    server = net.createServer((socket) => {
      peer = socket;
      // A slow reader: it takes nothing until told to.
      socket.pause();
      socket.on('data', (chunk: Buffer) => {
        received += chunk.length;
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
  });
  afterAll(() => {
    peer?.destroy();
    server.close();
  });

  it('finds the socket at the end of the pipes and waits until every byte has left for it', async () => {
    const socket = net.connect((server.address() as AddressInfo).port, '127.0.0.1');
    await once(socket, 'connect');
    const first = new Transform({ transform: (chunk, _encoding, done) => done(null, chunk) });
    const second = new PassThrough();
    first.pipe(second).pipe(socket);
    expect(downstreamOf(first)).toEqual([second, socket]);

    // Far more than the kernel buffers hold while nobody reads: the rest waits in this process.
    const size = 32 * 1024 * 1024;
    first.write(Buffer.alloc(size, 'x'));
    let isFlushed = false;
    const flushed = waitUntilFlushed(first).then((isLive) => {
      isFlushed = isLive;
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(isFlushed).toBe(false);

    peer!.resume();
    await flushed;
    expect(socket.writableLength).toBe(0);
    expect(second.readableLength + first.readableLength).toBe(0);
    socket.destroy();
    expect(received).toBeGreaterThan(0);
  });

  it('gives up, false, once the send has ended: a message nodemailer reads into a sink of its own', async () => {
    const stream = new PassThrough();
    stream.pipe(new PassThrough());
    stream.write('refused');
    let hasEnded = false;
    setTimeout(() => {
      hasEnded = true;
    }, 50);
    expect(await waitUntilFlushed(stream, () => hasEnded)).toBe(false);
  });
});

describe('prepareHandOver', () => {
  it('runs once the whole message has left for a slow server: only the end-of-data line follows it', async () => {
    let resumedAt: number | null = null;
    let isStored = false;
    const server = new SMTPServer({
      authOptional: true,
      disableReverseLookup: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData(stream, _session, callback) {
        // A slow reader: the message backs up into the sender's buffers until it reads again.
        stream.pause();
        setTimeout(() => {
          resumedAt = performance.now();
          stream.resume();
        }, 300);
        stream.on('end', () => {
          isStored = true;
          callback();
        });
      },
    });
    server.listen(0, '127.0.0.1');
    await once(server.server, 'listening');
    const transport = createSmtpTransport({
      host: '127.0.0.1',
      port: (server.server.address() as AddressInfo).port,
      secure: false,
      requireTLS: false,
      user: undefined,
      password: undefined,
      from: 'Herald <no-reply@herald.test>',
      poolSize: 1,
    });
    // Larger than what the kernel buffers of a loopback connection hold.
    const html = `<p>${'x'.repeat(16 * 1024 * 1024)}</p>`;
    let seen: { hasResumed: boolean; isStored: boolean } | null = null;
    let storedAtRecord: boolean | null = null;
    await transport.send({
      from: 'Herald <no-reply@herald.test>',
      to: { address: 'ada@acme.test' },
      subject: 'whole',
      html,
      text: 'whole',
      prepareHandOver: () => {
        seen = { hasResumed: resumedAt !== null, isStored };
        return Promise.resolve(() => {
          storedAtRecord = isStored;
        });
      },
    });
    await transport.close();
    server.close();
    expect(seen).toEqual({ hasResumed: true, isStored: false });
    expect(storedAtRecord).toBe(false);
    expect(isStored).toBe(true);
  }, 30_000);
});

import net from 'node:net';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { PassThrough, Transform } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { downstreamOf, waitUntilFlushed } from './smtp-transport';

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
    const flushed = waitUntilFlushed(first).then(() => {
      isFlushed = true;
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
});

import http from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChannelHttp, isRefusedAddress, PRIVATE_URL_REASON, refusedChannelUrl } from './channel-url';

const STRICT = { allowPrivateUrls: false };

describe('refusedChannelUrl', () => {
  it.each([
    'http://127.0.0.1:8080/hook',
    'http://localhost/hook',
    'http://api.localhost/hook',
    'http://10.1.2.3/',
    'http://172.16.0.1/',
    'http://192.168.1.10/',
    'http://169.254.169.254/latest/meta-data/',
    'http://100.64.0.1/',
    'http://0.0.0.0/',
    'http://[::1]/',
    'http://[fd00::1]/',
    'http://[fe80::1]/',
    'http://[::ffff:127.0.0.1]/',
    // The URL parser reads these as 127.0.0.1.
    'http://2130706433/',
    'http://0x7f.1/',
  ])('refuses %s', (url) => {
    expect(refusedChannelUrl(url, STRICT)).toBe(PRIVATE_URL_REASON);
  });

  it.each([
    'https://hooks.slack.com/services/T0/B0/X',
    'https://events.pagerduty.com/v2/enqueue',
    'https://93.184.215.14/',
  ])('allows %s', (url) => {
    expect(refusedChannelUrl(url, STRICT)).toBeNull();
  });

  it('allows private addresses when the operator says so', () => {
    expect(refusedChannelUrl('http://127.0.0.1:8080/hook', { allowPrivateUrls: true })).toBeNull();
  });
});

describe('ChannelHttp', () => {
  let server: http.Server;
  let port: number;
  const received: string[] = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      received.push(`${req.method} ${req.url}`);
      req.resume();
      res.writeHead(204).end();
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => {
    server?.close();
  });

  it('refuses, at connection time, a name that resolves to a loopback address: nothing is sent', async () => {
    const channelHttp = new ChannelHttp(STRICT);
    // "localhost" is refused when stored; a public-looking name that resolves inside is only found here.
    const error = await channelHttp
      .postJson(`http://localhost:${port}/refused`, { text: 'x' })
      .catch((e: unknown) => e);
    channelHttp.close();
    expect(isRefusedAddress(error)).toBe(true);
    expect(received).toEqual([]);
  });

  it('posts JSON and answers with the status when private addresses are allowed', async () => {
    const channelHttp = new ChannelHttp({ allowPrivateUrls: true });
    expect(await channelHttp.postJson(`http://127.0.0.1:${port}/hook`, { text: 'hello' })).toBe(204);
    channelHttp.close();
    expect(received).toEqual(['POST /hook']);
  });

  it('does not follow a redirect', async () => {
    const redirecting = http.createServer((_req, res) =>
      res.writeHead(302, { location: `http://127.0.0.1:${port}/redirected` }).end(),
    );
    redirecting.listen(0, '127.0.0.1');
    await once(redirecting, 'listening');
    const channelHttp = new ChannelHttp({ allowPrivateUrls: true });
    const status = await channelHttp.postJson(
      `http://127.0.0.1:${(redirecting.address() as AddressInfo).port}/`,
      {},
    );
    channelHttp.close();
    redirecting.close();
    expect(status).toBe(302);
    expect(received).not.toContain('POST /redirected');
  });
});

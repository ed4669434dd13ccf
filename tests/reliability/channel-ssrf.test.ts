import http from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { World, type Tenant } from './support/world';

/**
 * A tenant connects Slack, PagerDuty, Teams or a webhook by giving a URL; the worker POSTs to it. A URL that leads
 * inside Herald's network (here a server on the worker's loopback standing for an internal admin
 * endpoint or a cloud metadata service) would be a server-side request forgery, and the delivery's
 * reason ("answered 404", "ECONNREFUSED") would tell the tenant what listens there. Such a URL is
 * refused when it is stored (400), unless the operator sets CHANNEL_ALLOW_PRIVATE_URLS.
 */
let world: World;
let api: string;
let tenant: Tenant;
let internal: http.Server;
const received: string[] = [];

beforeAll(async () => {
  internal = http.createServer((req, res) => {
    received.push(`${req.method} ${req.url}`);
    res.writeHead(404).end();
  });
  internal.listen(0, '127.0.0.1');
  await once(internal, 'listening');
  world = await World.create();
  tenant = await world.createTenant('Tenant');
  const [started] = await Promise.all([world.startApi(), world.startWorker('worker')]);
  api = started.url;
}, 120_000);
afterAll(async () => {
  await world?.close();
  internal?.close();
});

describe('notification channel URLs', () => {
  it.each([
    ['slack', (url: string) => ({ webhookUrl: url })],
    ['pagerduty', (url: string) => ({ routingKey: 'routing-key-1234', eventsUrl: url })],
    ['teams', (url: string) => ({ webhookUrl: url })],
    ['webhook', (url: string) => ({ webhookUrl: url })],
  ])(
    '%s: a URL on the worker’s own network is refused, and the worker never calls it',
    async (kind, config) => {
      const port = (internal.address() as AddressInfo).port;
      const url = `http://127.0.0.1:${port}/internal/${kind}`;
      const put = await world.http.call(api, 'PUT', `/api/channels/${kind}`, {
        token: tenant.token,
        body: config(url),
      });
      if (put?.status === 200) {
        // Accepted: show what it leads to before failing.
        const run = await world.http.call(api, 'POST', '/api/tasks', {
          token: tenant.token,
          body: { task: 'monitoring.check', input: { target: 'x', healthy: false } },
        });
        const id = run?.json?.id as string;
        let reasons: string[] = [];
        for (let i = 0; i < 100 && !received.some((line) => line.includes(kind)); i++) await sleep(200);
        const view = await world.http.call(api, 'GET', `/api/tasks/${id}`, { token: tenant.token });
        reasons = ((view?.json?.notifications ?? []) as { channel: string; reason: string | null }[]).map(
          (n) => `${n.channel}: ${n.reason}`,
        );
        expect
          .soft(
            received.filter((line) => line.includes(kind)),
            `the worker called ${url}; the tenant reads back: ${reasons.join(' | ')}`,
          )
          .toEqual([]);
      }
      expect(put?.status, `PUT /api/channels/${kind} with ${url}`).toBe(400);
    },
    60_000,
  );
});

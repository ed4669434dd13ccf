import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditRuns, waitUntilSettled } from './support/audit';
import { startTcpProxy, type TcpProxy } from './support/tcp-proxy';
import { World, type Tenant } from './support/world';

/**
 * SPEC §6: a job redelivered after a worker crash never produces a second e-mail. The narrowest
 * crash window, made deterministic: the SMTP server has stored the mail, its "250" never reaches
 * the worker (a TCP proxy holds it back), and the worker dies. The delivery row already holds the
 * mail's Message-ID (written before the end-of-data line went out), so the worker that picks the
 * job up again records the mail as sent instead of sending it a second time.
 */
let world: World;
let smtpProxy: TcpProxy;
let api: string;
let tenant: Tenant;

beforeAll(async () => {
  world = await World.create();
  smtpProxy = await startTcpProxy({ host: '127.0.0.1', port: world.sink.port });
  tenant = await world.createTenant('Acme');
  const [started] = await Promise.all([
    world.startApi(),
    world.startWorker('worker-1', { SMTP_PORT: String(smtpProxy.port) }),
  ]);
  api = started.url;
}, 120_000);
afterAll(async () => {
  await world?.close();
  await smtpProxy?.close();
});

describe('a worker killed after the SMTP server stored a mail, before the server’s reply reached it', () => {
  it('the job picked up again by another worker does not send the mail a second time', async () => {
    const [first] = world.processes.running.filter((member) => member.name === 'worker-1');
    // Runs as the sink stores the mail, before the proxy can pass the sink's reply on.
    const killed = world.sink.nextMessage(60_000).then(() => {
      smtpProxy.holdReplies();
      first!.signal('SIGKILL');
    });
    const submitted = await world.http.call(api, 'POST', '/api/tasks', {
      token: tenant.token,
      body: { task: 'email_notification_test', input: { message: 'once only' } },
    });
    expect(submitted?.status).toBe(202);
    const accepted = [{ id: submitted!.json.id as string, tenant }];
    await killed;
    await first!.exited;

    await world.startWorker('worker-2');
    // The notification job keeps BullMQ's 30 s lock: it comes back within about a minute.
    const settled = await waitUntilSettled(world.db, accepted, world.sink, 150_000);
    expect(settled, 'the delivery was still pending 150 s after the crash').toBe(true);
    const audit = await auditRuns(world.db, accepted, world.sink.messages);
    expect({ mails: audit.mails, duplicated: audit.duplicated, lost: audit.lost }).toEqual({
      mails: 1,
      duplicated: 0,
      lost: [],
    });
  }, 240_000);
});

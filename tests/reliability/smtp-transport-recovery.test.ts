import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { createSmtpTransport, startDevInbox, type DevInbox, type Transport } from '@herald/email';
import { MailSink } from './support/mail-sink';

const open: { close(): Promise<void> }[] = [];
afterAll(async () => {
  for (const item of open.reverse()) await item.close();
});

/** Settles with the send's outcome, or 'still waiting' when it has not settled after waitMs. */
async function outcomeOf(send: Promise<unknown>, waitMs: number): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    send.then(
      () => 'sent',
      (error: unknown) => `failed: ${(error as Error).message}`,
    ),
    new Promise<string>((resolve) => {
      timer = setTimeout(() => resolve('still waiting'), waitMs);
    }),
  ]);
  clearTimeout(timer);
  return outcome;
}

describe('the pooled SMTP transport after the server was unreachable', () => {
  it('sends again once the server is back, however many connects were refused meanwhile', async () => {
    const first: DevInbox = await startDevInbox({ smtpPort: 0 });
    const port = first.smtpPort;
    await first.close();
    const transport: Transport = createSmtpTransport({
      host: '127.0.0.1',
      port,
      secure: false,
      requireTLS: false,
      user: 'herald',
      password: 'secret',
      from: 'Herald <herald@herald.test>',
      poolSize: 2,
    });
    open.push(transport);
    const mail = (subject: string) => ({
      from: 'Herald <herald@herald.test>',
      to: { address: 'ada@acme.test', name: 'Ada' },
      subject,
      html: '<p>hi</p>',
      text: 'hi',
      headers: {},
    });

    // More refused connects than the pool has connections.
    for (let i = 0; i < 4; i++)
      expect(await outcomeOf(transport.send(mail(`refused ${i}`)), 15_000)).toMatch(
        /^failed: .*ECONNREFUSED/,
      );

    const inbox = await startDevInbox({ smtpPort: port });
    open.push(inbox);
    // A healthy send takes milliseconds; 15 s tells "waits forever" apart from "slow".
    expect(await outcomeOf(transport.send(mail('after the outage')), 15_000)).toBe('sent');
    expect(inbox.messages.map((received) => received.subject)).toEqual(['after the outage']);
  }, 120_000);

  it('settles every send made while the server answers 451, goes away and comes back, with sends in parallel', async () => {
    const sink = await MailSink.start();
    open.push(sink);
    const transport = createSmtpTransport({
      host: '127.0.0.1',
      port: sink.port,
      secure: false,
      requireTLS: false,
      user: 'herald',
      password: 'secret',
      from: 'Herald <herald@herald.test>',
      poolSize: 3,
    });
    open.push(transport);
    const pending = new Map<number, string>();
    let next = 0;
    let isRunning = true;
    let sentAfterwards = 0;
    let isBack = false;
    const lane = async () => {
      while (isRunning) {
        const id = next++;
        pending.set(id, sink.isUp ? 'up' : 'down');
        const outcome = await outcomeOf(
          transport.send({
            from: 'Herald <herald@herald.test>',
            to: { address: 'ada@acme.test' },
            subject: `mail ${id}`,
            html: '<p>hi</p>',
            text: 'hi',
            headers: {},
          }),
          20_000,
        );
        if (outcome !== 'still waiting') pending.delete(id);
        if (outcome === 'sent' && isBack) sentAfterwards++;
        if (outcome === 'still waiting') return;
        await sleep(50);
      }
    };
    const lanes = Array.from({ length: 10 }, () => lane());
    sink.refuse('tempfail');
    await sleep(2_000);
    await sink.stop();
    await sleep(3_000);
    await sink.resume();
    sink.refuse(null);
    isBack = true;
    await sleep(3_000);
    isRunning = false;
    await Promise.all(lanes);
    expect(
      [...pending.entries()].map(
        ([id, when]) => `mail ${id} (started while the server was ${when}) never settled`,
      ),
    ).toEqual([]);
    expect(sentAfterwards).toBeGreaterThan(0);
  }, 120_000);
});

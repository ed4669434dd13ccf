import { randomUUID } from 'node:crypto';
import { colord, extend } from 'colord';
import a11yPlugin from 'colord/plugins/a11y';
import type { Organization, User } from '@herald/db';
import { createTestDatabase, type TestDatabase } from '@herald/db/testing';
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startDevInbox, type DevInbox } from './dev-inbox';
import { DigestSender } from './digest-sender';
import { EmailService } from './email-service';
import type { ReceivedMail } from './received-mail';
import { createSmtpTransport } from './smtp-transport';
import { TemplateRenderer } from './template-renderer';
import type { Transport } from './transport';

extend([a11yPlugin]);

/**
 * What a recipient reads: each mail goes through the real delivery path to an SMTP server,
 * and the HTML and text parts that arrived are checked.
 */
const CONFIG = {
  from: 'Herald <no-reply@herald.test>',
  frontendUrl: 'https://app.herald.test',
  publicApiUrl: 'https://api.herald.test',
  secret: 'mail-content-test-secret',
};
const ONCE = { attempt: 1, maxAttempts: 3 };
const silent = pino({ level: 'silent' });

let testDb: TestDatabase;
let inbox: DevInbox;
let transport: Transport;
let service: EmailService;
let digests: DigestSender;
let sunny: Organization;
let ada: User;

beforeAll(async () => {
  const renderer = new TemplateRenderer();
  [testDb, inbox] = await Promise.all([createTestDatabase(), startDevInbox(), renderer.compileAll()]);
  transport = createSmtpTransport({
    host: '127.0.0.1',
    port: inbox.smtpPort,
    secure: false,
    requireTLS: false,
    user: undefined,
    password: undefined,
    from: CONFIG.from,
    poolSize: 1,
  });
  const options = { db: testDb.db, renderer, transport, config: CONFIG, logger: silent };
  service = new EmailService(options);
  digests = new DigestSender(options);
  // A light brand colour: white on it would read at 1.3:1.
  sunny = await testDb.db.prisma.organization.create({ data: { name: 'Sunny', brandColor: '#FFE066' } });
  ada = await testDb.db.prisma.user.create({
    data: { organizationId: sunny.id, email: 'ada@sunny.test', name: 'Ada' },
  });
});

afterAll(async () => {
  await transport?.close();
  await inbox?.close();
  await testDb?.drop();
});

beforeEach(() => inbox.clear());

interface RunSetup {
  task?: string;
  title?: string;
  template?: string;
  subject?: string;
  status?: 'succeeded' | 'failed';
  result?: object;
  error?: object;
}

/** A finished run and its pending delivery, as the task worker writes them. */
async function createDelivery(setup: RunSetup = {}) {
  const status = setup.status ?? 'succeeded';
  const run = await testDb.db.prisma.taskRun.create({
    data: {
      id: randomUUID(),
      organizationId: sunny.id,
      userId: ada.id,
      task: setup.task ?? 'reports.build',
      title: setup.title,
      input: {},
      status,
      attempts: 1,
      result: setup.result,
      error: setup.error,
      startedAt: new Date('2026-06-02T14:00:42Z'),
      finishedAt: new Date('2026-06-02T14:03:27Z'),
    },
  });
  const delivery = await testDb.db.prisma.notificationDelivery.create({
    data: {
      runId: run.id,
      organizationId: sunny.id,
      userId: ada.id,
      channel: 'email',
      template: setup.template ?? 'task-completion',
      subject: setup.subject ?? '',
      phase: status,
      recipient: ada.id,
      idempotencyKey: `${run.id}:${status}:email:${ada.id}`,
    },
  });
  return { run, delivery };
}

async function deliver(setup: RunSetup): Promise<ReceivedMail> {
  const { delivery } = await createDelivery(setup);
  expect(await service.deliver(delivery.id, ONCE)).toMatchObject({ status: 'sent' });
  const [mail] = await inbox.waitForMessages(1);
  return mail!;
}

/** The visible text of an HTML part, roughly as a reader sees it. */
const visibleText = (html: string) =>
  html
    .replace(/<div class="herald-preheader"[\s\S]*?<\/div>/, '')
    .replace(/<(style|title)[\s\S]*?<\/\1>/g, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&nbsp;|&#8202;/g, ' ')
    .replace(/\s+/g, ' ');

describe('a run with a title', () => {
  it('leads with the title and uses it as the default subject; the task name moves to the details', async () => {
    const mail = await deliver({ title: 'Report Q3 <b>revenue</b>' });
    expect(mail.subject).toBe('Report Q3 <b>revenue</b> succeeded');
    expect(mail.html).toContain('<title>Report Q3 &lt;b&gt;revenue&lt;/b&gt; succeeded</title>');
    expect(visibleText(mail.html)).toContain('Report Q3 &lt;b&gt;revenue&lt;/b&gt; succeeded');
    expect(mail.html).not.toContain('<b>revenue</b>');
    expect(mail.text).toMatch(/^Report Q3 <b>revenue<\/b> succeeded\.$/m);
    expect(mail.text).toMatch(/^Task: +reports\.build$/m);
  });

  it('without a title, a mail leads with the task name as before', async () => {
    const mail = await deliver({ task: 'billing.sync' });
    expect(mail.subject).toBe('billing.sync succeeded');
    expect(mail.text).toMatch(/^billing\.sync succeeded\.$/m);
  });
});

describe('the error box', () => {
  it('shows the message as written: no blank line, no indentation before it', async () => {
    const mail = await deliver({
      status: 'failed',
      error: { message: 'Connection reset by peer\n    at Socket.onEnd (net.js:1)' },
    });
    expect(mail.html).toMatch(
      /white-space: ?pre-wrap;[^"]*">Connection reset by peer\n {4}at Socket\.onEnd \(net\.js:1\)<\/div>/,
    );
    expect(mail.text).toContain('Error:\nConnection reset by peer\n    at Socket.onEnd (net.js:1)');
  });
});

describe('the chord summary', () => {
  const result = {
    total_tests: 10,
    tests_passed: 8,
    tests_failed: 2,
    test_set_name: 'Nightly',
    test_run_id: 'tr-42',
    failed_tests: ['Checkout works', 'Search works'],
    failed_test_errors: ['Expected 200, got 500\n  at checkout.spec.ts:12', 'Timed out after 30s'],
  };

  it("speaks of the tests' outcome, lists why each failed, and names the run once", async () => {
    const mail = await deliver({
      task: 'tests.collect_results',
      title: 'Nightly',
      template: 'test-execution-summary',
      result,
    });
    expect(mail.subject).toBe('Nightly: 8 of 10 passed, 2 failed');
    const page = visibleText(mail.html);
    expect(page).toContain('Nightly: 8 of 10 passed, 2 failed');
    expect(page).toMatch(/Status 2 tests failed/);
    expect(page).not.toContain('Succeeded');
    expect(page).toMatch(/Checkout works Expected 200, got 500 Search works Timed out after 30s/);
    expect(page).not.toContain('checkout.spec.ts');
    expect(page).not.toContain('Task ID');
    expect(page.match(/tr-42/g)).toHaveLength(1);

    expect(mail.text).toMatch(/^Nightly: 8 of 10 passed, 2 failed\.$/m);
    expect(mail.text).toContain(
      '  - Checkout works\n    Expected 200, got 500\n  - Search works\n    Timed out after 30s\n',
    );
    expect(mail.text).toMatch(/^Status: +2 tests failed$/m);
    expect(mail.text).not.toMatch(/Task ID|succeeded/i);
    expect(mail.text.match(/^Test run: +tr-42$/gm)).toHaveLength(1);
  });
});

describe('the digest', () => {
  it('says "1 minute", shows each run by title and outcome, and links each to its own page', async () => {
    await testDb.db.prisma.notificationPreference.create({
      data: { organizationId: sunny.id, userId: ada.id, delivery: 'digest', digestWindowMinutes: 1 },
    });
    const report = await createDelivery({ title: 'Report Q3 revenue' });
    const nightly = await createDelivery({
      task: 'tests.collect_results',
      title: 'Nightly',
      template: 'test-execution-summary',
      result: { total_tests: 10, tests_passed: 8, tests_failed: 2, test_run_id: 'tr-9' },
    });
    const digestKey = `${ada.id}:${randomUUID()}`;
    await testDb.db.prisma.notificationDelivery.updateMany({
      where: { id: { in: [report.delivery.id, nightly.delivery.id] } },
      data: { digestKey, address: 'ada@sunny.test' },
    });
    const outcome = await digests.send({ digestKey, organizationId: sunny.id, userId: ada.id }, ONCE);
    expect(outcome).toMatchObject({ status: 'sent' });
    const [mail] = await inbox.waitForMessages(1);

    const page = visibleText(mail!.html);
    expect(page).toContain('in the last 1 minute:');
    expect(page).toMatch(/Report Q3 revenue reports\.build .*Succeeded/);
    expect(page).toMatch(/Nightly tests\.collect_results 8 of 10 passed, 2 failed .*2 tests failed/);
    expect(mail!.html).toContain(`href="https://app.herald.test/runs/${report.run.id}"`);
    expect(mail!.html).toContain('href="https://app.herald.test/test-runs/tr-9"');

    expect(mail!.text).toContain('in the last 1 minute:');
    expect(mail!.text).toMatch(/^- Report Q3 revenue: Succeeded/m);
    expect(mail!.text).toMatch(/^- Nightly: 8 of 10 passed, 2 failed/m);
    expect(mail!.text).toContain('https://app.herald.test/test-runs/tr-9');
    expect(mail!.text).not.toMatch(/^- Nightly: Succeeded/m);
    await testDb.db.prisma.notificationPreference.deleteMany({ where: { userId: ada.id } });
  });
});

describe('colours and the preheader', () => {
  it('every text on or beside the brand colour, and the footer, reads at 4.5:1 or more', async () => {
    const mail = await deliver({ title: 'Report Q3 revenue' });
    const button =
      /background-color:(#[0-9a-f]{6})[^>]*>\s*<a[^>]*style="([^"]*)"[^>]*>\s*View results/i.exec(mail.html);
    expect(button?.[1]?.toLowerCase()).toBe('#ffe066');
    const label = /(?:^|;)\s*color:\s*(#[0-9a-f]{6})/i.exec(button![2]!)?.[1];
    expect(label).toMatch(/^#/);
    expect(colord(label!).contrast('#FFE066')).toBeGreaterThanOrEqual(4.5);
    // The organization's name in the header, on the page's grey.
    const name = /color:(#[0-9a-f]{6})">\s*Sunny\s*</i.exec(mail.html)?.[1];
    expect(name).toMatch(/^#/);
    expect(colord(name!).contrast('#f3f4f6')).toBeGreaterThanOrEqual(4.5);
    const footer = /color:(#[0-9a-f]{6});?"[^>]*>\s*You receive this e-mail/i.exec(mail.html)?.[1];
    expect(footer).toMatch(/^#/);
    expect(colord(footer!).contrast('#f3f4f6')).toBeGreaterThanOrEqual(4.5);
  });

  it("has Herald's own hidden preheader, with no white-on-grey text", async () => {
    const mail = await deliver({ title: 'Report Q3 revenue' });
    expect(mail.html).toMatch(
      /<div class="herald-preheader" style="display:none;[^"]*">Report Q3 revenue succeeded after 2m 45s<\/div>/,
    );
    expect(mail.html).not.toMatch(/color:#ffffff;line-height:1px/i);
  });
});

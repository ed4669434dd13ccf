import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { revokeApiToken } from '@herald/db';
import { startStack, type Stack, type Tenant } from './support/stack';
import { waitFor } from './support/harness';

let stack: Stack;
let acme: Tenant;
let globex: Tenant;

beforeAll(async () => {
  stack = await startStack({ TEST_EMAIL_RATE_LIMIT: '3' });
  acme = await stack.createTenant('Acme', 'ada@acme.test');
  globex = await stack.createTenant('Globex', 'hank@globex.test');
});
afterAll(async () => {
  await stack?.close();
});

async function json(response: Response) {
  return (await response.json()) as any;
}

async function waitForRun(
  tenant: Tenant,
  id: string,
  statuses = ['succeeded', 'failed', 'timed_out', 'cancelled'],
) {
  return waitFor(
    async () => {
      const body = await json(await stack.call(tenant, 'GET', `/api/tasks/${id}`));
      return statuses.includes(body.status) ? body : null;
    },
    20_000,
    `run ${id}`,
  );
}

/** The mails that reached `address` (other tests' mails may arrive meanwhile). */
async function mailTo(address: string, count = 1, subject = '') {
  const mails = await waitFor(
    async () => {
      const found = stack.inbox.messages.filter((m) => m.to.includes(address) && m.subject.includes(subject));
      return found.length >= count ? found : null;
    },
    20_000,
    `${count} mail(s) to ${address}`,
  );
  return mails[0]!;
}

const API_ENDPOINTS: [string, string, unknown?][] = [
  ['POST', '/api/tasks', { task: 'email_notification_test', input: {} }],
  ['GET', '/api/tasks'],
  ['GET', '/api/tasks/00000000-0000-0000-0000-000000000000'],
  ['POST', '/api/tasks/00000000-0000-0000-0000-000000000000/cancel'],
  [
    'POST',
    '/api/flows',
    {
      tasks: [{ task: 'tests.execute', input: { testId: 'a' } }],
      callback: { task: 'tests.collect_results', input: { test_set_name: 's' } },
    },
  ],
  ['POST', '/api/tasks/email-notification-test', {}],
  ['GET', '/api/templates'],
  ['GET', '/api/templates/task-completion/preview'],
  ['GET', '/api/me/notification-preferences'],
  ['PUT', '/api/me/notification-preferences', { email: { enabled: true } }],
];

describe('authentication', () => {
  it.each(API_ENDPOINTS)(
    '%s %s: 401 without a token, with a wrong one and with a revoked one',
    async (method, path, body) => {
      const missing = await stack.call(null, method, path, body);
      expect(missing.status).toBe(401);
      expect((await json(missing)).error.code).toBe('unauthorized');
      const wrong = await stack.call({ ...acme, token: 'hrld_not-a-real-token-at-all' }, method, path, body);
      expect(wrong.status).toBe(401);
      const revoked = await stack.createTenant(
        `Revoked ${method}${path}`,
        `gone-${Math.random()}@revoked.test`,
      );
      const { prisma } = stack.testDb.db;
      const token = await prisma.apiToken.findFirstOrThrow({ where: { userId: revoked.userId } });
      await revokeApiToken(stack.testDb.db, token.id);
      expect((await stack.call(revoked, method, path, body)).status).toBe(401);
    },
  );

  it('stores only the hash and records lastUsedAt', async () => {
    await stack.call(acme, 'GET', '/api/tasks');
    const token = await waitFor(
      () =>
        stack.testDb.db.prisma.apiToken.findFirst({
          where: { userId: acme.userId, lastUsedAt: { not: null } },
        }),
      5_000,
      'lastUsedAt',
    );
    expect(token.tokenHash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(token)).not.toContain(acme.token);
  });
});

describe('submitting and following runs', () => {
  it('a wrapped task submitted over REST ends with the mail in the inbox, and GET shows it sent', async () => {
    const response = await stack.call(acme, 'POST', '/api/tasks', {
      task: 'reports.build',
      input: { report_name: 'Q3 <b>sales</b>', stepMs: 1 },
    });
    expect(response.status).toBe(202);
    const { id, status } = await json(response);
    expect(status).toBe('queued');
    const mail = await mailTo('ada@acme.test', 1, 'Report Q3');
    expect(mail.to).toEqual(['ada@acme.test']);
    // The task's title, 'Report {{report_name}}', is the mail's subject and headline.
    expect(mail.subject).toBe('Report Q3 <b>sales</b> succeeded');
    expect(mail.html).toContain('Q3 &lt;b&gt;sales&lt;/b&gt;');
    expect(mail.html).toContain(`https://app.herald.test/runs/${id}`);
    const run = await waitFor(
      async () => {
        const body = await json(await stack.call(acme, 'GET', `/api/tasks/${id}`));
        return body.notifications?.[0]?.status === 'sent' ? body : null;
      },
      10_000,
      'delivery sent',
    );
    expect(run).toMatchObject({
      id,
      task: 'reports.build',
      title: 'Report Q3 <b>sales</b>',
      status: 'succeeded',
      progress: 100,
      attempts: 1,
    });
    expect(run.notifications[0]).toMatchObject({
      channel: 'email',
      template: 'task-completion',
      status: 'sent',
      address: 'a***@acme.test',
    });
  });

  it('400 names the field when the input does not match the task', async () => {
    const response = await stack.call(acme, 'POST', '/api/tasks', {
      task: 'tests.execute',
      input: { testId: 42 },
    });
    expect(response.status).toBe(400);
    const body = await json(response);
    expect(body.error.code).toBe('invalid_input');
    expect(body.error.details).toEqual([
      { field: 'input.testId', message: expect.stringMatching(/expected string/) },
    ]);
  });

  it('400 for an unknown task, bad options, malformed JSON; 413 for a large body; 404 for an unknown route', async () => {
    const unknown = await stack.call(acme, 'POST', '/api/tasks', { task: 'no.such', input: {} });
    expect(unknown.status).toBe(400);
    expect((await json(unknown)).error).toMatchObject({ code: 'unknown_task', details: [{ field: 'task' }] });
    const badOptions = await stack.call(acme, 'POST', '/api/tasks', {
      task: 'tests.execute',
      input: { testId: 'a' },
      options: { attempts: 1000 },
    });
    expect((await json(badOptions)).error.details[0].field).toBe('options.attempts');
    const malformed = await stack.call(acme, 'POST', '/api/tasks', '{"task": ');
    expect(malformed.status).toBe(400);
    expect((await json(malformed)).error.code).toBe('invalid_json');
    const large = await stack.call(acme, 'POST', '/api/tasks', {
      task: 'tests.execute',
      input: { testId: 'x'.repeat(400_000) },
    });
    expect(large.status).toBe(413);
    const nowhere = await stack.call(acme, 'GET', '/api/nowhere');
    expect(nowhere.status).toBe(404);
    expect((await json(nowhere)).error.code).toBe('not_found');
  });

  it('lists the organization’s runs newest first with cursor pagination and a status filter', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const { id } = await json(
        await stack.call(acme, 'POST', '/api/tasks', {
          task: 'tests.execute',
          input: { testId: `p${i}` },
          options: { delay: 600_000 },
        }),
      );
      ids.push(id);
    }
    const first = await json(await stack.call(acme, 'GET', '/api/tasks?limit=3&status=queued'));
    expect(first.data.map((r: any) => r.id)).toEqual(ids.slice(2).reverse());
    const second = await json(
      await stack.call(acme, 'GET', `/api/tasks?limit=3&status=queued&cursor=${first.nextCursor}`),
    );
    expect(second.data.map((r: any) => r.id).slice(0, 2)).toEqual(ids.slice(0, 2).reverse());
    const bad = await stack.call(acme, 'GET', '/api/tasks?status=exploded');
    expect(bad.status).toBe(400);
  });

  it('cancels a queued run', async () => {
    const { id } = await json(
      await stack.call(acme, 'POST', '/api/tasks', {
        task: 'tests.execute',
        input: { testId: 'c' },
        options: { delay: 600_000 },
      }),
    );
    const response = await stack.call(acme, 'POST', `/api/tasks/${id}/cancel`);
    expect(response.status).toBe(202);
    expect(await json(response)).toEqual({ id, status: 'cancelled' });
    expect((await waitForRun(acme, id)).status).toBe('cancelled');
    expect((await stack.call(acme, 'POST', `/api/tasks/${id}/cancel`)).status).toBe(409);
  });

  it('a chord over REST returns the callback and children ids and mails one summary', async () => {
    const response = await stack.call(acme, 'POST', '/api/flows', {
      tasks: [
        { task: 'tests.execute', input: { testId: 'a', name: 'Login works' } },
        { task: 'tests.execute', input: { testId: 'b', name: 'Checkout works', outcome: 'fail' } },
        { task: 'tests.execute', input: { testId: 'c', name: 'Search works' } },
      ],
      callback: { task: 'tests.collect_results', input: { test_set_name: 'Nightly', test_run_id: 'tr-42' } },
    });
    expect(response.status).toBe(202);
    const { id, children } = await json(response);
    expect(children).toHaveLength(3);
    const run = await waitForRun(acme, id);
    expect(run.result).toMatchObject({
      total_tests: 3,
      tests_passed: 2,
      tests_failed: 1,
      failed_tests: ['Checkout works'],
    });
    const mail = await mailTo('ada@acme.test', 1, 'Nightly');
    expect(mail.subject).toBe('Nightly: 2 of 3 passed, 1 failed');
    expect(mail.text).toContain('  - Checkout works\n    Test Checkout works failed\n');
    expect(mail.html).toContain('https://app.herald.test/test-runs/tr-42');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(stack.inbox.messages.filter((m) => m.subject.includes('Nightly'))).toHaveLength(1);
  });
});

describe('tenant isolation', () => {
  it("another organization's run is a 404 on every endpoint that takes an id, and never listed", async () => {
    const { id } = await json(
      await stack.call(globex, 'POST', '/api/tasks', {
        task: 'tests.execute',
        input: { testId: 'secret' },
        options: { delay: 600_000 },
      }),
    );
    for (const [method, path] of [
      ['GET', `/api/tasks/${id}`],
      ['POST', `/api/tasks/${id}/cancel`],
    ] as const) {
      const response = await stack.call(acme, method, path);
      expect(response.status).toBe(404);
      expect(JSON.stringify(await json(response))).not.toContain('secret');
    }
    const listed = await json(await stack.call(acme, 'GET', '/api/tasks?limit=100'));
    expect(listed.data.map((r: any) => r.id)).not.toContain(id);
    expect((await json(await stack.call(globex, 'GET', `/api/tasks/${id}`))).input).toEqual({
      testId: 'secret',
      outcome: 'pass',
    });
  });

  it('the owner comes from the token, never from the body', async () => {
    const response = await stack.call(acme, 'POST', '/api/tasks', {
      task: 'email_notification_test',
      input: { message: 'hi' },
      organizationId: globex.organizationId,
      userId: globex.userId,
    });
    const { id } = await json(response);
    const run = await stack.testDb.db.prisma.taskRun.findUniqueOrThrow({ where: { id } });
    expect(run).toMatchObject({ organizationId: acme.organizationId, userId: acme.userId });
  });
});

describe('the test e-mail endpoint', () => {
  it('mails the caller and nobody else, and is rate-limited per user with Retry-After', async () => {
    const caller = await stack.createTenant('Initech', 'peter@initech.test');
    const response = await stack.call(caller, 'POST', '/api/tasks/email-notification-test', {
      message: 'Is this thing on?',
    });
    expect(response.status).toBe(202);
    const mail = await mailTo('peter@initech.test');
    expect(mail.to).toEqual(['peter@initech.test']);
    expect(mail.subject).toBe('Your Herald test e-mail succeeded');
    expect(mail.text).toContain('Hi Initech Owner');
    expect(mail.headers['list-unsubscribe']).toMatch(/^<https:\/\/api\.herald\.test\/unsubscribe\/[^>]+>$/);
    for (let i = 0; i < 2; i++)
      expect((await stack.call(caller, 'POST', '/api/tasks/email-notification-test', {})).status).toBe(202);
    const limited = await stack.call(caller, 'POST', '/api/tasks/email-notification-test', {});
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    await mailTo('peter@initech.test', 3);
    // Every mail about an Initech run went to its caller.
    const initech = stack.inbox.messages.filter((m) => m.text.includes('Initech'));
    expect(initech.map((m) => m.to.join())).toEqual(Array(3).fill('peter@initech.test'));
  });
});

describe('templates, preferences and unsubscribe', () => {
  it('lists templates and previews them in the organization’s branding', async () => {
    const list = await json(await stack.call(acme, 'GET', '/api/templates'));
    expect(list.data.map((t: any) => t.name)).toEqual(
      expect.arrayContaining(['task-completion', 'test-execution-summary']),
    );
    const html = await stack.call(acme, 'GET', '/api/templates/task-completion/preview?format=html');
    expect(html.headers.get('content-type')).toMatch(/text\/html/);
    const page = await html.text();
    expect(page).toContain('#0f766e');
    expect(page).not.toMatch(/undefined|N\/A/);
    const text = await (
      await stack.call(acme, 'GET', '/api/templates/test-execution-summary/preview?format=text')
    ).text();
    expect(text).toContain('Acme Ltd');
    expect((await stack.call(acme, 'GET', '/api/templates/nope/preview')).status).toBe(404);
  });

  it('reads and changes preferences, and one-click unsubscribe turns mail off', async () => {
    const user = await stack.createTenant('Umbrella', 'alice@umbrella.test');
    expect(await json(await stack.call(user, 'GET', '/api/me/notification-preferences'))).toEqual({
      email: { enabled: true, mutedTasks: [], delivery: 'immediate', digestWindowMinutes: 60 },
    });
    const put = await stack.call(user, 'PUT', '/api/me/notification-preferences', {
      email: { mutedTasks: ['reports.build'] },
    });
    expect(await json(put)).toEqual({
      email: { enabled: true, mutedTasks: ['reports.build'], delivery: 'immediate', digestWindowMinutes: 60 },
    });
    const invalid = await stack.call(user, 'PUT', '/api/me/notification-preferences', {
      email: { enabled: 'yes' },
    });
    expect(invalid.status).toBe(400);

    await stack.call(user, 'POST', '/api/tasks/email-notification-test', {});
    const mail = await mailTo('alice@umbrella.test');
    const link = /<https:\/\/api\.herald\.test(\/unsubscribe\/[^>]+)>/.exec(
      mail.headers['list-unsubscribe'] ?? '',
    )![1]!;
    expect(mail.headers['list-unsubscribe-post']).toBe('List-Unsubscribe=One-Click');
    const confirmPage = await fetch(`${stack.api.url}${link}`);
    expect(await confirmPage.text()).toContain('<form method="post">');
    const oneClick = await fetch(`${stack.api.url}${link}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(oneClick.status).toBe(200);
    expect(
      (await json(await stack.call(user, 'GET', '/api/me/notification-preferences'))).email.enabled,
    ).toBe(false);
    const forged = await fetch(`${stack.api.url}${link.slice(0, -3)}abc`, { method: 'POST' });
    expect(forged.status).toBe(404);
  });
});

describe('operations endpoints', () => {
  it('healthz, readyz and metrics answer', async () => {
    expect((await fetch(`${stack.api.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${stack.api.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await json(ready)).toEqual({
      status: 'ok',
      checks: { [stack.api.ctx.store.readinessName]: true, postgres: true },
    });
    const metrics = await (await fetch(`${stack.api.url}/metrics`)).text();
    expect(metrics).toContain('herald_http_request_duration_seconds_bucket');
    expect(metrics).toMatch(/herald_runs\{task="reports.build",status="succeeded"\} \d+/);
    expect(metrics).toMatch(/herald_notification_deliveries\{status="sent"\} \d+/);
    expect(metrics).toMatch(/herald_queue_jobs\{queue="tasks",state="delayed"\} \d+/);
  });
});

import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createUser } from '@herald/db';
import { startStack, type Stack, type Tenant } from './support/stack';
import { ConsoleClient, consolePathIn, mailedSignInPath, signIn } from './support/console-client';

vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

let stack: Stack;
let acme: Tenant;
let globex: Tenant;
let acmeRun: string;
let globexRun: string;

async function finishedRun(tenant: Tenant): Promise<string> {
  const submitted = await stack.call(tenant, 'POST', '/api/tasks', {
    task: 'reports.build',
    input: { report_name: 'Console', rows: 10, stepMs: 1 },
  });
  const { id } = (await submitted.json()) as { id: string };
  await vi.waitFor(
    async () => {
      const run = (await (await stack.call(tenant, 'GET', `/api/tasks/${id}`)).json()) as { status: string };
      expect(run.status).toBe('succeeded');
    },
    { timeout: 20_000, interval: 100 },
  );
  return id;
}

beforeAll(async () => {
  // No FRONTEND_URL: "View results" goes to the console.
  stack = await startStack({ FRONTEND_URL: '' });
  acme = await stack.createTenant('Acme', 'ada@acme.test');
  globex = await stack.createTenant('Globex', 'hank@globex.test');
  acmeRun = await finishedRun(acme);
  globexRun = await finishedRun(globex);
});
afterAll(async () => {
  await stack?.close();
});

const client = () => new ConsoleClient(stack.api.url);

describe('console sign-in', () => {
  it('mails a link that signs in once; the same answer for an unknown address, and no mail', async () => {
    const browser = client();
    const path = await mailedSignInPath(browser, stack.inbox, acme.email);
    expect((await browser.get(path)).status).toBe(200); // a GET only shows the button
    const used = await browser.post(path, {});
    expect(used.status).toBe(303);
    expect(used.headers.get('location')).toBe('/app/runs');
    expect(used.headers.getSetCookie()[0]).toMatch(/HttpOnly/i);
    expect(used.headers.getSetCookie()[0]).toMatch(/SameSite=Lax/i);
    expect(used.headers.getSetCookie()[0]).toMatch(/Secure/i); // the console URL is https here
    const runs = await browser.get('/app/runs');
    expect(runs.status).toBe(200);
    expect(await runs.text()).toContain(`/app/runs/${acmeRun}`);

    const again = await client().post(path, {});
    expect(again.status).toBe(400);
    expect(await again.text()).toContain('already been used');

    const before = stack.inbox.messages.length;
    const known = await (await client().post('/app/sign-in', { email: 'ada@acme.test' })).text();
    const unknown = await (await client().post('/app/sign-in', { email: 'nobody@acme.test' })).text();
    expect(unknown.replace('nobody@acme.test', 'X')).toBe(known.replace('ada@acme.test', 'X'));
    await vi.waitFor(() =>
      expect(stack.inbox.messages.slice(before).some((mail) => mail.subject.includes('sign-in'))).toBe(true),
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    const signInMails = stack.inbox.messages.slice(before).filter((mail) => mail.subject.includes('sign-in'));
    expect(signInMails.map((mail) => mail.to)).toEqual([['ada@acme.test']]);
  });

  it('refuses an expired link with a page that offers a new one', async () => {
    const browser = client();
    const path = await mailedSignInPath(browser, stack.inbox, globex.email);
    await stack.testDb.db.prisma.signInLink.updateMany({
      where: { email: globex.email, usedAt: null },
      data: { expiresAt: new Date(Date.now() - 1_000) },
    });
    const answer = await browser.post(path, {});
    expect(answer.status).toBe(400);
    const html = await answer.text();
    expect(html).toContain('has expired');
    expect(html).toContain('action="/app/sign-in"');
    expect((await client().post('/app/sign-in/not-a-token', {})).status).toBe(400);
    expect((await client().post('/app/sign-in', { email: 'not an address' })).status).toBe(400);
  });

  it('ends a session when it expires, and on sign-out', async () => {
    const browser = client();
    await signIn(browser, stack.inbox, acme.email);
    await stack.testDb.db.prisma.consoleSession.updateMany({
      where: { email: acme.email },
      data: { expiresAt: new Date(Date.now() - 1_000) },
    });
    const expired = await browser.get('/app/runs');
    expect(expired.status).toBe(303);
    expect(expired.headers.get('location')).toBe('/app/sign-in');

    const other = client();
    await signIn(other, stack.inbox, globex.email);
    const out = await other.post('/app/sign-out', { _csrf: await other.csrf() });
    expect(out.status).toBe(200);
    expect((await other.get('/app/runs')).status).toBe(303);
  });

  it('refuses a form without its CSRF token and changes nothing', async () => {
    const browser = client();
    await signIn(browser, stack.inbox, acme.email);
    const form = {
      enabled: 'on',
      mutedTasks: 'reports.build',
      delivery: 'immediate',
      digestWindowMinutes: '60',
    };
    expect((await browser.post('/app/preferences', form)).status).toBe(403);
    expect((await browser.post('/app/preferences', { ...form, _csrf: 'forged' })).status).toBe(403);
    expect(
      await stack.testDb.db.prisma.notificationPreference.count({ where: { userId: acme.userId } }),
    ).toBe(0);
    const saved = await browser.post('/app/preferences', { ...form, _csrf: await browser.csrf() });
    expect(saved.status).toBe(200);
    expect(
      await stack.testDb.db.prisma.notificationPreference.findUnique({ where: { userId: acme.userId } }),
    ).toMatchObject({ mutedTasks: ['reports.build'] });
    const bad = await browser.post('/app/preferences', {
      ...form,
      digestWindowMinutes: 'soon',
      _csrf: await browser.csrf(),
    });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('digestWindowMinutes');
    await browser.post('/app/preferences', { ...form, mutedTasks: '', _csrf: await browser.csrf() });
  });

  it('lets an address in two organizations pick one; a session covers that one only', async () => {
    const shared = 'sam@shared.test';
    await createUser(stack.testDb.db, { organizationId: acme.organizationId, email: shared });
    const inGlobex = await createUser(stack.testDb.db, {
      organizationId: globex.organizationId,
      email: shared,
    });
    const browser = client();
    const path = await mailedSignInPath(browser, stack.inbox, shared);
    const used = await browser.post(path, {});
    expect(used.headers.get('location')).toBe('/app/orgs');
    expect((await browser.get('/app/runs')).headers.get('location')).toBe('/app/orgs');
    const csrf = await browser.csrf('/app/orgs');
    expect((await browser.post('/app/orgs', { userId: acme.userId, _csrf: csrf })).status).toBe(400); // not this address's user
    expect((await browser.post('/app/orgs', { userId: inGlobex.id, _csrf: csrf })).status).toBe(303);
    const runs = await (await browser.get('/app/runs')).text();
    expect(runs).toContain(globexRun);
    expect(runs).not.toContain(acmeRun);
  });

  it('rate-limits sign-in requests per address', async () => {
    const browser = client();
    const answers = [];
    for (let i = 0; i < 6; i++)
      answers.push((await browser.post('/app/sign-in', { email: 'flood@acme.test' })).status);
    expect(answers).toEqual([200, 200, 200, 200, 200, 429]);
  });
});

describe('console pages and isolation', () => {
  it("shows another organization's run as the 404 page on every run page and form", async () => {
    const browser = client();
    await signIn(browser, stack.inbox, acme.email);
    const own = await browser.get(`/app/runs/${acmeRun}`);
    expect(own.status).toBe(200);
    const html = await own.text();
    expect(html).toContain('succeeded');
    expect(html).toContain('Timeline');
    expect(html).toContain('report_name');

    const other = await browser.get(`/app/runs/${globexRun}`);
    expect(other.status).toBe(404);
    expect(await other.text()).toContain('Run not found');
    expect(
      (await browser.post(`/app/runs/${globexRun}/cancel`, { _csrf: await browser.csrf() })).status,
    ).toBe(404);
    expect((await browser.get('/app/runs/no-such-run')).status).toBe(404);
    expect(await (await browser.get('/app/runs')).text()).not.toContain(globexRun);
    expect((await browser.get('/app/runs?status=bogus')).status).toBe(400);
  });

  it("opens a mail's View results link without signing in, read-only, and that run only", async () => {
    const mail = stack.inbox.messages.find(
      (entry) => entry.to.includes(acme.email) && entry.text.includes(acmeRun),
    );
    expect(mail).toBeDefined();
    const path = consolePathIn(
      mail!.text,
      new RegExp(`https?://\\S+?(/app/runs/${acmeRun}\\?token=[\\w.-]+)`),
    );
    const anonymous = client();
    const page = await anonymous.get(path);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('You opened this run from a mail link');
    expect(html).not.toContain('Cancel this run');
    const token = new URL(path, 'http://x').searchParams.get('token')!;
    expect((await anonymous.get(`/app/runs/${globexRun}?token=${token}`)).status).toBe(400);
    expect((await anonymous.get('/app/runs')).status).toBe(303);
    expect((await anonymous.get(`/app/runs/${acmeRun}`)).status).toBe(303);
    expect((await anonymous.get(`/app/runs/${acmeRun}?token=${token.slice(0, -2)}xx`)).status).toBe(400);
  });

  it("lists a chord's children with their status, each linking to its page", async () => {
    const submitted = await stack.call(acme, 'POST', '/api/flows', {
      tasks: [
        { task: 'tests.execute', input: { testId: 'a', name: 'Login works' } },
        { task: 'tests.execute', input: { testId: 'b', name: 'Checkout works', outcome: 'fail' } },
      ],
      callback: {
        task: 'tests.collect_results',
        input: { test_set_name: 'Console chord', test_run_id: 'tr-7' },
      },
    });
    const { id, children } = (await submitted.json()) as { id: string; children: string[] };
    await vi.waitFor(
      async () =>
        expect(
          ((await (await stack.call(acme, 'GET', `/api/tasks/${id}`)).json()) as { status: string }).status,
        ).toBe('succeeded'),
      { timeout: 20_000, interval: 100 },
    );
    // Another member of the same organization (each address has its own sign-in limit).
    await createUser(stack.testDb.db, { organizationId: acme.organizationId, email: 'grace@acme.test' });
    const browser = client();
    await signIn(browser, stack.inbox, 'grace@acme.test');
    const html = await (await browser.get(`/app/runs/${id}`)).text();
    expect(html).toContain('Chord children');
    for (const child of children) expect(html).toContain(`href="/app/runs/${child}"`);
    const child = await browser.get(`/app/runs/${children[0]}`);
    expect(child.status).toBe(200);
    expect(await child.text()).toContain(`href="/app/runs/${id}"`);
    // Without FRONTEND_URL, even a result naming a test run links to the console's run page.
    await vi.waitFor(
      () => expect(stack.inbox.messages.some((mail) => mail.subject.includes('Console chord'))).toBe(true),
      { timeout: 10_000 },
    );
    const mail = stack.inbox.messages.find((entry) => entry.subject.includes('Console chord'))!;
    expect(
      (
        await client().get(
          consolePathIn(mail.text, new RegExp(`https?://\\S+?(/app/runs/${id}\\?token=[\\w.-]+)`)),
        )
      ).status,
    ).toBe(200);
  });

  it("lists and deletes the organization's schedules; another organization's is a 404", async () => {
    const schedule = (tenant: Tenant, name: string) =>
      stack.call(tenant, 'POST', '/api/schedules', {
        name,
        task: 'reports.build',
        input: { report_name: name },
        cron: '0 3 * * *',
      });
    expect((await schedule(acme, 'nightly')).status).toBe(201);
    expect((await schedule(globex, 'theirs')).status).toBe(201);
    await createUser(stack.testDb.db, { organizationId: acme.organizationId, email: 'sched@acme.test' });
    const browser = client();
    await signIn(browser, stack.inbox, 'sched@acme.test');
    const page = await (await browser.get('/app/schedules')).text();
    expect(page).toContain('nightly');
    expect(page).not.toContain('theirs');
    const csrf = await browser.csrf('/app/schedules');
    expect((await browser.post('/app/schedules/theirs/delete', { _csrf: csrf })).status).toBe(404);
    expect((await browser.post('/app/schedules/nightly/delete', {})).status).toBe(403);
    expect((await browser.post('/app/schedules/nightly/delete', { _csrf: csrf })).status).toBe(303);
    expect(
      await stack.testDb.db.prisma.schedule.count({ where: { organizationId: acme.organizationId } }),
    ).toBe(0);
    expect(
      await stack.testDb.db.prisma.schedule.count({ where: { organizationId: globex.organizationId } }),
    ).toBe(1);
  });

  it('serves htmx and the stylesheet from Herald itself', async () => {
    const htmx = await fetch(`${stack.api.url}/app/static/htmx.min.js`);
    expect(htmx.status).toBe(200);
    expect(await htmx.text()).toContain('htmx');
    expect((await fetch(`${stack.api.url}/app/static/console.css`)).status).toBe(200);
  });
});

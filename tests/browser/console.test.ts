// The run console as a person sees it, in headless Chromium at a phone's width: sign in through
// the mailed link, open runs, cancel one, open a mail's "View results" link in a fresh browser.
// Screenshots go to test-artifacts/. Without Chromium the suite is skipped with one line saying why.
import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startStack, type Stack, type Tenant } from '../support/stack';
import { consolePathIn } from '../support/console-client';
import { ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, HAS_CHROMIUM, signInWithBrowser } from '../support/browser';

vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

let stack: Stack;
let acme: Tenant;
let globex: Tenant;
let browser: Browser;

async function newPage(): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 375, height: 740 } });
  await context.route('**/*', (route) =>
    route.request().url().startsWith(stack.api.url) ? route.continue() : route.abort(),
  );
  return { context, page: await context.newPage() };
}

async function submit(tenant: Tenant, input: Record<string, unknown>): Promise<string> {
  const response = await stack.call(tenant, 'POST', '/api/tasks', { task: 'reports.build', input });
  return ((await response.json()) as { id: string }).id;
}

async function statusOf(tenant: Tenant, id: string): Promise<string> {
  return ((await (await stack.call(tenant, 'GET', `/api/tasks/${id}`)).json()) as { status: string }).status;
}

describe.skipIf(!HAS_CHROMIUM)(
  HAS_CHROMIUM
    ? 'the run console in Chromium'
    : `skipped: no Chromium at ${CHROMIUM} (apt-get install chromium)`,
  () => {
    let doneId: string;

    beforeAll(async () => {
      mkdirSync(ARTIFACTS, { recursive: true });
      // http console URL: the cookie is not Secure, so Chromium keeps it on http://127.0.0.1.
      stack = await startStack({ FRONTEND_URL: '', PUBLIC_API_URL: 'http://127.0.0.1' });
      acme = await stack.createTenant('Acme', 'ada@acme.test');
      globex = await stack.createTenant('Globex', 'hank@globex.test');
      doneId = await submit(acme, { report_name: 'Browser', rows: 10, stepMs: 1 });
      await vi.waitFor(async () => expect(await statusOf(acme, doneId)).toBe('succeeded'), {
        timeout: 20_000,
        interval: 100,
      });
      browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    });
    afterAll(async () => {
      await browser?.close();
      await stack?.close();
    });

    it('signs in through the mailed link, opens a run and cancels a running one', async () => {
      const { context, page } = await newPage();
      await signInWithBrowser(stack, page, acme.email);
      await page.getByRole('link', { name: 'reports.build' }).first().click();
      await page.getByRole('heading', { name: 'Timeline' }).waitFor();
      expect(await page.locator('.status').first().textContent()).toBe('succeeded');
      await page.screenshot({ path: `${ARTIFACTS}/console-run.png`, fullPage: true });

      const slowId = await submit(acme, { report_name: 'Slow', stepMs: 4_000 });
      await vi.waitFor(async () => expect(await statusOf(acme, slowId)).toBe('running'), {
        timeout: 20_000,
        interval: 100,
      });
      await page.goto(`${stack.api.url}/app/runs/${slowId}`);
      await page.getByRole('button', { name: 'Cancel this run' }).click();
      // The page refreshes itself (htmx) until the run has ended.
      await page.locator('.status', { hasText: 'cancelled' }).first().waitFor({ timeout: 20_000 });
      await page.screenshot({ path: `${ARTIFACTS}/console-cancelled.png`, fullPage: true });

      const other = await submit(globex, { report_name: 'Theirs', rows: 1, stepMs: 1 });
      const response = await page.goto(`${stack.api.url}/app/runs/${other}`);
      expect(response?.status()).toBe(404);
      await page.getByRole('heading', { name: 'Run not found' }).waitFor();
      await page.screenshot({ path: `${ARTIFACTS}/console-other-organization.png`, fullPage: true });
      await context.close();
    });

    it('pauses and resumes a schedule on a phone-width page', async () => {
      const created = await stack.call(acme, 'POST', '/api/schedules', {
        name: 'nightly-report',
        task: 'reports.build',
        input: { report_name: 'Nightly' },
        cron: '0 3 * * *',
        timezone: 'Europe/Berlin',
      });
      expect(created.status).toBe(201);
      const { context, page } = await newPage();
      await signInWithBrowser(stack, page, acme.email);
      await page.goto(`${stack.api.url}/app/schedules`);
      const pause = page.getByRole('button', { name: 'Pause schedule nightly-report' });
      const box = await pause.boundingBox();
      expect(box!.x + box!.width).toBeLessThanOrEqual(375);
      expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);
      await pause.click();
      await page.locator('.status', { hasText: 'Paused' }).waitFor();
      await page.screenshot({ path: `${ARTIFACTS}/console-schedule-paused.png`, fullPage: true });
      await page.getByRole('button', { name: 'Resume schedule nightly-report' }).click();
      await page.locator('.status', { hasText: 'Active' }).waitFor();
      await context.close();
    });

    it("opens a mail's View results link in a fresh browser without signing in", async () => {
      const mail = stack.inbox.messages.find(
        (entry) => entry.to.includes(acme.email) && entry.text.includes(doneId),
      );
      expect(mail).toBeDefined();
      const path = consolePathIn(
        mail!.text,
        new RegExp(`https?://\\S+?(/app/runs/${doneId}\\?token=[\\w.-]+)`),
      );
      const { context, page } = await newPage();
      await page.goto(`${stack.api.url}${path}`);
      await page.getByText('You opened this run from a mail link').waitFor();
      expect(await page.locator('.status').first().textContent()).toBe('succeeded');
      await page.screenshot({ path: `${ARTIFACTS}/console-mail-link.png`, fullPage: true });
      await context.close();
    });
  },
);

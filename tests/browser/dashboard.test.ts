// The queue dashboard and a template preview as a person sees them, in headless Chromium.
// Screenshots go to test-artifacts/ (gitignored). Without /usr/bin/chromium the suite is
// skipped, never failed: CI installs it with `apt-get install chromium`.
import { existsSync, mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { startStack, type Stack, type Tenant } from '../support/stack';
import { waitFor } from '../support/harness';

// Debian's chromium by default; CHROMIUM_PATH points elsewhere (e.g. GitHub runners' google-chrome).
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const HAS_CHROMIUM = existsSync(CHROMIUM);
const ARTIFACTS = 'test-artifacts';
const ADMIN_TOKEN = 'admin-token-for-the-browser-test';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

let stack: Stack;
let acme: Tenant;
let browser: Browser;
let slowRunId: string;

/** A browser context that reaches only the stack: a template's remote logo must not leave the machine. */
async function newContext(options: Parameters<Browser['newContext']>[0] = {}): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, ...options });
  await context.route('**/*', (route) =>
    route.request().url().startsWith(stack.api.url) ? route.continue() : route.abort(),
  );
  return context;
}

async function runStatus(id: string) {
  return (await (await stack.call(acme, 'GET', `/api/tasks/${id}`)).json()) as {
    status: string;
    progress: unknown;
  };
}

describe.skipIf(!HAS_CHROMIUM)(
  HAS_CHROMIUM
    ? 'dashboard and template preview in Chromium'
    : `skipped: no Chromium at ${CHROMIUM} (apt-get install chromium)`,
  () => {
    beforeAll(async () => {
      mkdirSync(ARTIFACTS, { recursive: true });
      stack = await startStack({ ADMIN_TOKEN });
      acme = await stack.createTenant('Acme', 'ada@acme.test');
      const submit = async (input: Record<string, unknown>) => {
        const response = await stack.call(acme, 'POST', '/api/tasks', { task: 'reports.build', input });
        expect(response.status).toBe(202);
        return ((await response.json()) as { id: string }).id;
      };
      const quick = [await submit({ report_name: 'Q1' }), await submit({ report_name: 'Q2' })];
      // Five steps of 4 s: still running, with a reported progress, while the browser looks.
      slowRunId = await submit({ report_name: 'Year', stepMs: 4_000 });
      await waitFor(
        async () => (await Promise.all(quick.map(runStatus))).every((run) => run.status === 'succeeded'),
        20_000,
        'the quick runs',
      );
      await waitFor(
        async () => Number((await runStatus(slowRunId)).progress) >= 20,
        20_000,
        'progress of the slow run',
      );
      browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    });
    afterAll(async () => {
      await browser?.close();
      if (slowRunId) await stack?.call(acme, 'POST', `/api/tasks/${slowRunId}/cancel`);
      await stack?.close();
    });

    it('shows the tasks and notifications queues and a running job with its progress', async () => {
      const context = await newContext({ httpCredentials: { username: 'admin', password: ADMIN_TOKEN } });
      const page = await context.newPage();
      const response = await page.goto(`${stack.api.url}/admin/queues`);
      expect(response?.status()).toBe(200);
      // Each queue is listed in the sidebar and has a card on the overview.
      for (const region of [page.getByRole('navigation'), page.getByRole('main')]) {
        for (const queue of ['tasks', 'notifications'])
          await region.getByRole('link', { name: queue, exact: true }).waitFor();
      }
      await page.screenshot({ path: `${ARTIFACTS}/dashboard-queues.png`, fullPage: true });

      await page.goto(`${stack.api.url}/admin/queues/queue/tasks?status=active`);
      await page.getByText(slowRunId).waitFor();
      const progress = page.getByRole('progressbar');
      await progress.first().waitFor();
      expect(Number(await progress.first().getAttribute('aria-valuenow'))).toBeGreaterThanOrEqual(20);
      expect(await page.getByText('reports.build', { exact: true }).count()).toBeGreaterThan(0);
      await page.screenshot({ path: `${ARTIFACTS}/dashboard-active-job.png`, fullPage: true });
      await context.close();
    });

    it('answers 401 without the admin password, or with a wrong one', async () => {
      const context = await newContext();
      const page = await context.newPage();
      // Playwright cancels Chromium's sign-in prompt: the page shows the 401, or the navigation fails.
      const shown = await page.goto(`${stack.api.url}/admin/queues`).then(
        (response) => String(response?.status()),
        (error: Error) => error.message,
      );
      expect(shown).toMatch(/^401$|ERR_INVALID_AUTH_CREDENTIALS/);
      expect(await page.getByText('Herald queues').count()).toBe(0);
      const basic = (password: string) => `Basic ${Buffer.from(`admin:${password}`).toString('base64')}`;
      const attempts: Record<string, string>[] = [{}, { authorization: basic('not-the-admin-token') }];
      for (const headers of attempts) {
        const response = await context.request.get(`${stack.api.url}/admin/queues`, { headers });
        expect(response.status()).toBe(401);
        expect(response.headers()['www-authenticate']).toMatch(/^Basic /);
      }
      await context.close();
    });

    it('renders the task-completion preview: status badge and the results button', async () => {
      // The preview needs the caller's Bearer token; fetched here so the token goes to the API only.
      const response = await stack.call(acme, 'GET', '/api/templates/task-completion/preview?format=html');
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/html/);
      const context = await newContext();
      const page = await context.newPage();
      await page.setContent(await response.text());

      const badge = page.locator('span', { hasText: /^\s*Succeeded\s*$/ }).first();
      expect(await badge.isVisible()).toBe(true);
      // A pill in the status colours, not just the word.
      expect(await badge.getAttribute('style')).toMatch(/border-radius:\s*999px/);
      const button = page.getByRole('link', { name: 'View results' });
      expect(await button.isVisible()).toBe(true);
      expect(await button.getAttribute('href')).toBe(
        'https://app.example.com/runs/3f2a9c7e-51d4-4a8b-9e0f-7d6c5b4a3921',
      );
      // In the organization's branding.
      expect(await page.getByText('Acme').first().isVisible()).toBe(true);
      await page.screenshot({ path: `${ARTIFACTS}/template-preview-task-completion.png`, fullPage: true });
      await context.close();
    });
  },
);

// An admin sets the organization's brand colour and a Slack channel in headless Chromium at a
// phone's width. Screenshots go to test-artifacts/. Without Chromium the suite is skipped with
// one line saying why.
import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { updateUserRole } from '@herald/db';
import { startStack, type Stack, type Tenant } from '../support/stack';
import { ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, HAS_CHROMIUM, signInWithBrowser } from '../support/browser';

const WIDTH = 375;

vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

let stack: Stack;
let acme: Tenant;
let browser: Browser;

/** Nothing is wider than the phone: no sideways scrolling. */
const pageWidth = (page: Page) => page.evaluate<number>('document.documentElement.scrollWidth');

describe.skipIf(!HAS_CHROMIUM)(
  HAS_CHROMIUM
    ? 'the console settings pages in Chromium'
    : `skipped: no Chromium at ${CHROMIUM} (apt-get install chromium)`,
  () => {
    beforeAll(async () => {
      mkdirSync(ARTIFACTS, { recursive: true });
      // http console URL: the cookie is not Secure, so Chromium keeps it on http://127.0.0.1.
      stack = await startStack({ FRONTEND_URL: '', PUBLIC_API_URL: 'http://127.0.0.1' });
      acme = await stack.createTenant('Acme', 'ada@acme.test');
      await updateUserRole(stack.testDb.db, { userId: acme.userId, role: 'admin' });
      browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    });
    afterAll(async () => {
      await browser?.close();
      await stack?.close();
    });

    it('lets an admin set a brand colour and a Slack channel on a phone', async () => {
      const context = await browser.newContext({ viewport: { width: WIDTH, height: 740 } });
      await context.route('**/*', (route) =>
        route.request().url().startsWith(stack.api.url) ? route.continue() : route.abort(),
      );
      const page = await context.newPage();
      await signInWithBrowser(stack, page, acme.email);

      await page.getByRole('link', { name: 'Branding' }).click();
      await page.getByRole('heading', { name: 'Branding' }).waitFor();
      await page.getByLabel('Brand colour').fill('#FFE066');
      await page.getByRole('button', { name: 'Save branding' }).click();
      await page.getByRole('alert').getByText('white text on #FFE066 is 1.3:1').waitFor();
      await page.getByLabel('Brand colour').fill('#1d4ed8');
      await page.getByRole('button', { name: 'Save branding' }).click();
      await page.getByRole('status').getByText('Saved.').waitFor();
      const previewColor = await page.evaluate<string>(
        "getComputedStyle(document.querySelector('.brand-button')).backgroundColor",
      );
      expect(previewColor).toBe('rgb(29, 78, 216)');
      expect(await pageWidth(page)).toBeLessThanOrEqual(WIDTH);
      await page.screenshot({ path: `${ARTIFACTS}/console-branding.png`, fullPage: true });

      await page.getByRole('link', { name: 'Channels' }).click();
      await page.getByRole('heading', { name: 'Channels' }).waitFor();
      const slack = page.getByRole('region', { name: 'Slack' });
      await slack.getByLabel('Webhook URL').fill('https://hooks.slack.com/services/T0/B0/BROWSERSECRET');
      await slack.getByRole('button', { name: 'Save Slack channel' }).click();
      await page.getByRole('region', { name: 'Slack' }).getByText('Webhook host: hooks.slack.com').waitFor();
      expect(await page.content()).not.toContain('BROWSERSECRET');
      expect(await page.getByRole('region', { name: 'Slack' }).getByLabel('Webhook URL').inputValue()).toBe(
        '',
      );
      expect(await pageWidth(page)).toBeLessThanOrEqual(WIDTH);
      await page.screenshot({ path: `${ARTIFACTS}/console-channels.png`, fullPage: true });

      const stored = await stack.testDb.db.prisma.organization.findUniqueOrThrow({
        where: { id: acme.organizationId },
      });
      expect(stored.brandColor).toBe('#1d4ed8');
      await context.close();
    });
  },
);

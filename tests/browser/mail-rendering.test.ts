// Each template's mail, as it reached an SMTP server, opened in headless Chromium at a desktop
// mail client's width (600 px) and a phone's (375 px). Screenshots go to test-artifacts/.
// Without /usr/bin/chromium the suite is skipped: CI installs it with `apt-get install chromium`.
import { existsSync, mkdirSync } from 'node:fs';
import { colord, extend } from 'colord';
import a11yPlugin from 'colord/plugins/a11y';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  automaticMailHeaders,
  createSmtpTransport,
  startDevInbox,
  TemplateRenderer,
  type DevInbox,
  type ReceivedMail,
  type Transport,
} from '@herald/email';

extend([a11yPlugin]);

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const HAS_CHROMIUM = existsSync(CHROMIUM);
const ARTIFACTS = 'test-artifacts';
const FROM = 'Herald <no-reply@herald.test>';
const UNSUBSCRIBE = 'https://api.herald.test/unsubscribe/token';
const WIDTHS = [600, 375];

/** Mails as recipients get them: a light brand colour, a long error, a chord with failures. */
const MAILS: { name: string; template: string; variables: Record<string, unknown>; headline: string }[] = [
  {
    name: 'failed-report',
    template: 'task-completion',
    headline: 'Report Q3 revenue failed',
    variables: {
      task_name: 'reports.build',
      run_title: 'Report Q3 revenue',
      task_id: '3f2a9c7e-51d4-4a8b-9e0f-7d6c5b4a3921',
      status: 'failed',
      execution_time: 165_000,
      error_message: 'Connection reset by peer\n    at Socket.onEnd (node:net:1)',
      frontend_url: 'https://app.herald.test',
    },
  },
  {
    name: 'nightly-summary',
    template: 'test-execution-summary',
    headline: 'Nightly: 8 of 10 passed, 2 failed',
    variables: {
      task_name: 'tests.collect_results',
      run_title: 'Nightly',
      task_id: 'run-9',
      status: 'succeeded',
      test_run_id: 'tr-9',
      total_tests: 10,
      tests_passed: 8,
      tests_failed: 2,
      failed_tests: ['checkout applies a discount code to a very long basket name', 'search'],
      failed_test_errors: ['Expected total 90.00, got 100.00', 'Timed out after 30s'],
      frontend_url: 'https://app.herald.test',
    },
  },
  {
    name: 'digest',
    template: 'digest',
    headline: 'Your task digest',
    variables: {
      frontend_url: 'https://app.herald.test',
      period: 'in the last 1 minute',
      runs: [
        { task_name: 'reports.build', run_title: 'Report Q3 revenue', task_id: 'r1', status: 'succeeded' },
        {
          task_name: 'tests.collect_results',
          run_title: 'Nightly',
          task_id: 'r2',
          status: 'succeeded',
          test_run_id: 'tr-9',
          total_tests: 10,
          tests_passed: 8,
          tests_failed: 2,
        },
      ],
    },
  },
];

let inbox: DevInbox;
let transport: Transport;
let browser: Browser;
const arrived = new Map<string, ReceivedMail>();

describe.skipIf(!HAS_CHROMIUM)(
  HAS_CHROMIUM
    ? 'mails in Chromium at 600 and 375 px'
    : `skipped: no Chromium at ${CHROMIUM} (apt-get install chromium)`,
  () => {
    beforeAll(async () => {
      mkdirSync(ARTIFACTS, { recursive: true });
      const renderer = new TemplateRenderer();
      [inbox] = await Promise.all([startDevInbox(), renderer.compileAll()]);
      transport = createSmtpTransport({
        host: '127.0.0.1',
        port: inbox.smtpPort,
        secure: false,
        requireTLS: false,
        user: undefined,
        password: undefined,
        from: FROM,
        poolSize: 1,
      });
      for (const mail of MAILS) {
        const rendered = renderer.render(mail.template, mail.variables, {
          branding: { organizationName: 'Sunny', brandColor: '#FFE066' },
          unsubscribeUrl: UNSUBSCRIBE,
        });
        inbox.clear();
        await transport.send({
          from: FROM,
          to: { address: 'ada@sunny.test' },
          subject: rendered.subject,
          html: rendered.html,
          text: rendered.text,
          headers: automaticMailHeaders({ unsubscribeUrl: UNSUBSCRIBE, organization: null, from: FROM }),
        });
        const [received] = await inbox.waitForMessages(1);
        arrived.set(mail.name, received!);
      }
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ['--headless', '--no-sandbox', '--disable-gpu'],
      });
    });

    afterAll(async () => {
      await browser?.close();
      await transport?.close();
      await inbox?.close();
    });

    for (const mail of MAILS) {
      for (const width of WIDTHS) {
        it(`${mail.name} at ${width} px: fits, leads with its headline, hides its preheader, and its button reads`, async () => {
          const page = await browser.newPage({ viewport: { width, height: 900 } });
          // Nothing leaves the machine: a mail's images and links are not fetched.
          await page.route('**/*', (route) => route.abort());
          await page.setContent(arrived.get(mail.name)!.html, { waitUntil: 'domcontentloaded' });
          await page.screenshot({ path: `${ARTIFACTS}/mail-${mail.name}-${width}.png`, fullPage: true });

          // Run in the page (strings: this project's types have no DOM).
          const overflow = await page.evaluate<number>(
            'document.documentElement.scrollWidth - document.documentElement.clientWidth',
          );
          expect(overflow).toBeLessThanOrEqual(0);
          // Once on the page; the hidden preheader may say it too.
          const headline = page.getByText(mail.headline, { exact: true }).filter({ visible: true });
          await expect(headline.count()).resolves.toBe(1);
          await expect(page.locator('.herald-preheader').isHidden()).resolves.toBe(true);

          const [label, background] = await page.evaluate<[string, string]>(`(() => {
            const button = [...document.querySelectorAll('a')].find((a) => a.textContent.startsWith('View '));
            return [getComputedStyle(button).color, getComputedStyle(button.parentElement).backgroundColor];
          })()`);
          expect(colord(background).toHex()).toBe('#ffe066');
          expect(colord(label).contrast(background)).toBeGreaterThanOrEqual(4.5);

          if (mail.name === 'failed-report') {
            const error = await page
              .locator('.herald-code')
              .filter({ hasText: 'Connection reset' })
              .textContent();
            expect(error).toMatch(/^Connection reset by peer\n {4}at/);
          }
          await page.close();
        });
      }
    }
  },
);

import { existsSync } from 'node:fs';
import { expect, vi } from 'vitest';
import type { Page } from 'playwright-core';
import { consolePathIn } from './console-client';
import type { Stack } from './stack';

/** Debian's chromium, or CHROMIUM_PATH; without it the browser tests skip, saying why. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const HAS_CHROMIUM = existsSync(CHROMIUM);
export const ARTIFACTS = 'test-artifacts';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-sync',
];

/** Signs in to the console as a person would: the form, the mail in the inbox, the link, the button. */
export async function signInWithBrowser(stack: Stack, page: Page, email: string): Promise<void> {
  const before = stack.inbox.messages.length;
  await page.goto(`${stack.api.url}/app/runs`);
  await page.getByLabel('Your e-mail address').fill(email);
  await page.getByRole('button', { name: 'E-mail me a sign-in link' }).click();
  await page.getByText('Check your inbox').waitFor();
  let mail;
  await vi.waitFor(() => {
    mail = stack.inbox.messages
      .slice(before)
      .find((entry) => entry.to.includes(email) && entry.subject.includes('sign-in'));
    expect(mail).toBeDefined();
  });
  await page.goto(`${stack.api.url}${consolePathIn(mail!.text, /https?:\/\/\S+?(\/app\/sign-in\/[\w-]+)/)}`);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Runs' }).waitFor();
}

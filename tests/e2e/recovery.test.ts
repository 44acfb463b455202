/**
 * Password reset with the recovery code, in Chromium against the real server: "Forgot your
 * password?" → username, the code shown at registration, a new password → signed in, with a new
 * recovery code shown once. The old password and the old code stop working; the new code works.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startServer, type RunningServer } from '../helpers/server';
import { launchBrowser } from './browser';
import { PASSWORD, Pages, reportOnFailure, register } from './helpers';
import { freshTotpWindow, totp } from '../auth/client';

let server: RunningServer;
let browser: Browser;
let pages: Pages;
reportOnFailure(() => pages);

beforeAll(async () => {
  server = await startServer({ env: { REGISTRATION_MODE: 'open' } });
  browser = await launchBrowser();
  pages = new Pages(browser, server.url);
});
afterAll(async () => {
  await pages?.closeAll();
  await browser?.close();
  await server?.kill();
});

async function resetWith(page: Page, code: string, newPassword: string, username = 'dora', secondFactor?: string): Promise<void> {
  await page.goto(server.url);
  await page.getByRole('link', { name: 'Forgot your password?' }).click();
  await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Reset your password');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Recovery code').fill(code);
  if (secondFactor) await page.getByLabel(/Authenticator or backup code/).fill(secondFactor);
  await page.getByLabel('New password', { exact: true }).fill(newPassword);
  await page.getByLabel('Repeat new password').fill(newPassword);
  await page.getByRole('button', { name: 'Reset password' }).click();
}

const loginStatus = (password: string) =>
  fetch(`${server.url}/api/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username: 'dora', password }) }).then((r) => r.status);

describe('account recovery', () => {
  it('resets the password with the recovery code; the old password and code stop working, the new code works', async () => {
    const first = await pages.newPage();
    await first.goto(server.url);
    const code = await register(first, 'dora', pages.problems);

    const other = await pages.newPage();
    await resetWith(other, code, 'new passphrase number one');
    const next = (await other.getByTestId('recovery-code').textContent({ timeout: 15_000 }))!;
    expect(next).toMatch(/^([0-9A-Z]{4}-){7}[0-9A-Z]{4}$/);
    expect(next).not.toBe(code);
    await other.getByLabel('I saved my recovery code').check();
    await other.getByRole('button', { name: 'Continue' }).click();
    await expect.poll(() => other.getByRole('heading', { name: /Welcome/ }).count(), { timeout: 20_000 }).toBe(1);
    expect(await loginStatus(PASSWORD)).toBe(401);
    expect(await loginStatus('new passphrase number one')).toBe(200);

    // The used code is spent; the new one works.
    const third = await pages.newPage();
    await resetWith(third, code, 'new passphrase number two');
    await expect.poll(() => third.getByRole('alert').first().textContent()).toMatch(/recovery/i);
    await resetWith(third, next, 'new passphrase number two');
    await expect.poll(() => third.getByTestId('recovery-code').count(), { timeout: 15_000 }).toBe(1);
    expect(await loginStatus('new passphrase number two')).toBe(200);
    expect(pages.problems.filter((p) => !/40[01]/.test(p))).toEqual([]);
  }, 120_000);

  it('A5 with 2FA on, the recovery code alone is refused and the reset needs an authenticator or backup code as well', async () => {
    const page = await pages.newPage();
    await page.goto(server.url);
    await page.getByRole('link', { name: 'Create one' }).click();
    const code = await register(page, 'erin', pages.problems);
    await expect.poll(() => page.getByRole('heading', { name: /Welcome/ }).count(), { timeout: 20_000 }).toBe(1);
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('link', { name: 'Security' }).click();
    await page.locator('section[aria-labelledby="tfa-title"]').getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Turn on two-factor authentication' }).click();
    const secret = (await page.getByTestId('totp-secret').textContent({ timeout: 10_000 }))!;
    await freshTotpWindow(10_000); // the code for the step before now must not reach the server two steps later
    await page.getByLabel('Code from the app').fill(totp(secret, -1));
    await page.getByRole('button', { name: 'Confirm and turn on' }).click();
    await expect.poll(() => page.getByTestId('backup-codes').locator('li').count(), { timeout: 20_000 }).toBe(8);
    const backup = (await page.getByTestId('backup-codes').locator('li').first().textContent())!;

    const other = await pages.newPage();
    await resetWith(other, code, 'a new passphrase for her one', 'erin');
    await expect.poll(() => other.getByRole('alert').first().textContent(), { timeout: 15_000 }).toMatch(/two-factor authentication is on/);
    await resetWith(other, code, 'a new passphrase for her one', 'erin', backup);
    await expect.poll(() => other.getByTestId('recovery-code').count(), { timeout: 15_000 }).toBe(1);
    expect(pages.problems.filter((p) => !/40[01]/.test(p))).toEqual([]);
  }, 120_000);
});

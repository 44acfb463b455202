/**
 * Password reset with the recovery code, in Chromium against the real server: "Forgot your
 * password?" → username, the code shown at registration, a new password → signed in, with a new
 * recovery code shown once. The old password and the old code stop working; the new code works.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startServer, type RunningServer } from '../helpers/server';
import { launchBrowser } from './browser';
import { PASSWORD, Pages, register } from './helpers';

let server: RunningServer;
let browser: Browser;
let pages: Pages;

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

async function resetWith(page: Page, code: string, newPassword: string): Promise<void> {
  await page.goto(server.url);
  await page.getByRole('link', { name: 'Forgot your password?' }).click();
  await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Reset your password');
  await page.getByLabel('Username').fill('dora');
  await page.getByLabel('Recovery code').fill(code);
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
});

/**
 * Account settings in Chromium against the real server: appearance persists per device; 2FA is
 * turned on from the QR screen (the test computes RFC 6238 codes from the key shown), then
 * signing in asks for a code and accepts a backup code once; the sessions list shows every
 * signed-in browser and "sign out every other session" ends them; a password change takes
 * effect; deleting the account signs out and the account is gone.
 */
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { join } from 'node:path';
import { ROOT } from '../../scripts/build.mjs';
import { startServer, type RunningServer } from '../helpers/server';
import { launchBrowser } from './browser';
import { PASSWORD, Pages, reportOnFailure, register } from './helpers';
import { freshTotpWindow } from '../auth/client';

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

function base32(text: string): Buffer {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of text.replace(/=+$/, '').toUpperCase()) bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  return Buffer.from(bits.match(/.{8}/g)!.map((b) => parseInt(b, 2)));
}

/** RFC 6238 TOTP (SHA-1, 30 s, 6 digits) for the time step `offset` steps from now. */
function totp(secret: string, offset = 0): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 30_000) + offset));
  const mac = createHmac('sha1', base32(secret)).update(counter).digest();
  const o = mac[mac.length - 1]! & 0xf;
  return String((mac.readUInt32BE(o) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}

async function signIn(page: Page, password: string, code?: string): Promise<void> {
  await page.goto(server.url);
  await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent(), { timeout: 20_000 }).toBe('Sign in');
  await page.getByLabel('Username').fill('carol');
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  if (code !== undefined) {
    // The password is checked first (Argon2id, 64 MiB): seconds on a loaded machine, not one.
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent(), { timeout: 20_000 }).toBe('Two-factor code');
    await page.getByLabel('Code').fill(code);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }
  await expect.poll(() => page.getByRole('heading', { name: /Welcome/ }).count(), { timeout: 20_000 }).toBe(1);
}

describe('settings', () => {
  it('appearance, 2FA with QR and backup codes, sessions, password change, delete account', async () => {
    const carol = await pages.newPage();
    await carol.goto(server.url);
    await register(carol, 'carol', pages.problems);
    await expect.poll(() => carol.getByRole('heading', { name: /Welcome/ }).count(), { timeout: 20_000 }).toBe(1);

    await carol.getByRole('link', { name: 'Settings' }).click();
    // Read receipts: on by default, turned off for the account (kept by the hub, so still off after a reload).
    const receipts = carol.getByLabel('Send read receipts');
    await expect.poll(() => receipts.isEnabled(), { timeout: 20_000 }).toBe(true);
    expect(await receipts.isChecked()).toBe(true);
    await receipts.uncheck();
    // The change travels over the hub socket: reloaded once the hub has stored it and told every device.
    await expect.poll(() => pages.transcript.some((l) => l.includes('hub <] {"type":"settings","settings":{"readReceipts":false')), { timeout: 20_000 }).toBe(true);
    await carol.reload();
    await expect.poll(() => carol.getByLabel('Send read receipts').isEnabled(), { timeout: 20_000 }).toBe(true);
    expect(await carol.getByLabel('Send read receipts').isChecked()).toBe(false);

    // Appearance: stored on this device, applied to <html>, kept across a reload.
    await carol.getByRole('link', { name: 'Appearance' }).click();
    await carol.getByRole('radio', { name: 'Dark' }).check();
    await carol.getByRole('radio', { name: 'Teal' }).check();
    await carol.getByRole('radio', { name: /12-hour/ }).check();
    await carol.reload();
    await expect.poll(() => carol.evaluate(() => [document.documentElement.dataset.theme, document.documentElement.dataset.accent])).toEqual(['dark', 'teal']);
    expect(await carol.getByRole('radio', { name: /12-hour/ }).isChecked()).toBe(true);

    // 2FA: the password first (a stolen session alone cannot turn it on), then the QR code and
    // key, confirmed with a code, then eight backup codes shown once.
    await carol.getByRole('link', { name: 'Security' }).click();
    await carol.locator('section[aria-labelledby="tfa-title"]').getByLabel('Password').fill(PASSWORD);
    await carol.getByRole('button', { name: 'Turn on two-factor authentication' }).click();
    const secret = (await carol.getByTestId('totp-secret').textContent({ timeout: 30_000 }))!;
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(await carol.getByRole('img', { name: 'QR code for your authenticator app' }).getAttribute('src')).toMatch(/^data:image\/svg\+xml/);
    // A code for the step before now is accepted only while the server's now is the step after it:
    // not sent in the last seconds of a step (typing it took long enough on a loaded machine once).
    await freshTotpWindow(10_000);
    await carol.getByLabel('Code from the app').fill(totp(secret, -1));
    await carol.getByRole('button', { name: 'Confirm and turn on' }).click();
    await expect.poll(() => carol.getByTestId('backup-codes').locator('li').count(), { timeout: 20_000 }).toBe(8);
    const codes = await carol.getByTestId('backup-codes').locator('li').allTextContents();
    await carol.screenshot({ path: join(ROOT, 'docs/screenshots/settings.png') });
    await carol.getByRole('button', { name: 'I saved my backup codes' }).click();
    await expect.poll(() => carol.getByText('To turn it off, confirm with your password').count()).toBe(1);

    // Signing in elsewhere now needs a code: the authenticator's, or a backup code (once).
    const laptop = await pages.newPage();
    await signIn(laptop, PASSWORD, totp(secret));
    const tablet = await pages.newPage();
    await signIn(tablet, PASSWORD, codes[0]!);

    // Sessions: all three are listed; ending the others signs those browsers out.
    await carol.getByRole('link', { name: 'Sessions' }).click();
    await expect.poll(() => carol.getByTestId('sessions').locator('li').count(), { timeout: 10_000 }).toBe(3);
    expect(await carol.getByTestId('sessions').getByText('This session').count()).toBe(1);
    await carol.getByRole('button', { name: 'Sign out every other session' }).click();
    await expect.poll(() => carol.getByTestId('sessions').locator('li').count()).toBe(1);
    for (const other of [laptop, tablet]) {
      await other.reload();
      await expect.poll(() => other.getByRole('heading', { level: 1 }).textContent(), { timeout: 20_000 }).toBe('Sign in');
    }

    // Password change: the new one works, the old one does not.
    await carol.getByRole('link', { name: 'Security' }).click();
    const newPassword = 'a much better passphrase 9';
    await carol.getByLabel('Current password').fill(PASSWORD);
    await carol.getByLabel('New password', { exact: true }).fill(newPassword);
    await carol.getByLabel('Repeat new password').fill(newPassword);
    await carol.getByRole('button', { name: 'Change password' }).click();
    await expect.poll(() => carol.getByText(/^Password changed/).count()).toBe(1);
    const phone = await pages.newPage();
    await phone.goto(server.url);
    await phone.getByLabel('Username').fill('carol');
    await phone.getByLabel('Password').fill(PASSWORD);
    await phone.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => phone.getByRole('alert').first().textContent(), { timeout: 20_000 }).toMatch(/.+/);
    expect(await phone.getByRole('heading', { level: 1 }).textContent()).toBe('Sign in');
    await signIn(phone, newPassword, totp(secret, 1));

    // Delete the account (username typed, password, a backup code): signed out, and it is gone.
    await carol.getByLabel(/Type your username/).fill('carol');
    await carol.locator('.danger-zone').getByLabel('Password').fill(newPassword);
    await carol.locator('.danger-zone').getByLabel(/Code from your authenticator/).fill(codes[1]!);
    await carol.getByRole('button', { name: 'Delete my account' }).click();
    await expect.poll(() => carol.getByRole('heading', { level: 1 }).textContent(), { timeout: 20_000 }).toBe('Sign in');
    const login = await fetch(`${server.url}/api/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username: 'carol', password: newPassword }) });
    expect(login.status).toBe(401);

    // Failed sign-ins above are expected console errors (401 responses); nothing else.
    expect(pages.problems.filter((p) => !/401|Unauthorized/.test(p))).toEqual([]);
  }, 150_000);
});

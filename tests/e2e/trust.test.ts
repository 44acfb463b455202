/**
 * Encryption made visible, in Chromium against the real server: two people in a DM open each
 * other's verify screen and see the same safety number (and a QR code of it); once one marks
 * the other verified, the other's messages show the verified lock on that side only. Clearing
 * the verification takes the lock back. Nothing typed reaches the server's storage (V1).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { join } from 'node:path';
import { ROOT } from '../../scripts/build.mjs';
import { startServer, type RunningServer } from '../helpers/server';
import { launchBrowser } from './browser';
import { expectNoCanaries, messageWith, Pages, reportOnFailure, register, send, acceptDmRequest } from './helpers';

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

/** Shows the member panel (open by default on wide screens). */
async function openMembers(page: Page): Promise<void> {
  const toggle = page.getByRole('button', { name: /Members/ });
  if ((await toggle.getAttribute('aria-expanded')) !== 'true') await toggle.click();
}

/** The safety number digits the verify screen shows (spaces removed). */
async function safetyNumber(page: Page): Promise<string> {
  const el = page.getByTestId('safety-number');
  await expect.poll(() => el.count(), { timeout: 20_000 }).toBe(1);
  return ((await el.textContent()) ?? '').replace(/\s+/g, '');
}

describe('verification', () => {
  it('both sides see the same safety number and QR code; marking verified changes the lock on that side; V1', async () => {
    const canary = `canary-trust-${randomBytes(16).toString('hex')}`;
    const alice = await pages.newPage();
    const bob = await pages.newPage();
    await alice.goto(server.url);
    await register(alice, 'alice', pages.problems);
    await bob.goto(`${server.url}/#/register`);
    await register(bob, 'bob', pages.problems);
    await expect.poll(() => bob.getByRole('heading', { name: /Welcome/ }).count(), { timeout: 20_000 }).toBe(1);

    // Bob starts a DM with Alice and writes; Alice answers.
    await bob.getByRole('button', { name: 'New direct message' }).click();
    await bob.getByLabel(/Username/).first().fill('alice');
    await bob.getByRole('button', { name: 'Start conversation' }).click();
    await send(bob, `Hello ${canary}`);
    await alice.getByRole('complementary').getByRole('link', { name: /bob/ }).click();
    await acceptDmRequest(alice);
    await expect.poll(() => messageWith(alice, canary).count(), { timeout: 20_000 }).toBe(1);
    expect(await messageWith(alice, canary).locator('[data-lock]').getAttribute('data-lock')).toBe('encrypted-unverified');

    // Each opens the verify screen for the other (the member list links there).
    await openMembers(alice);
    await alice.locator('#member-panel').getByRole('link', { name: /^bob/ }).click();
    await bob.getByRole('complementary').getByRole('link', { name: /alice/ }).click();
    await acceptDmRequest(bob);
    await openMembers(bob);
    await bob.locator('#member-panel').getByRole('link', { name: /^alice/ }).click();
    const [seenByAlice, seenByBob] = [await safetyNumber(alice), await safetyNumber(bob)];
    expect(seenByAlice).toMatch(/^\d{60}$/);
    expect(seenByBob).toBe(seenByAlice);
    const qr = alice.getByRole('img', { name: /QR code of the safety number/ });
    expect(await qr.getAttribute('src')).toMatch(/^data:image\/svg\+xml/);
    expect(await qr.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);

    // Alice marks Bob verified: his messages in her view now carry the verified lock; Bob's view of Alice is unchanged.
    await alice.getByRole('button', { name: 'Mark as verified' }).click();
    await expect.poll(() => alice.locator('.trust-badge').first().textContent()).toBe('Verified');
    await alice.screenshot({ path: join(ROOT, 'docs/screenshots/verify.png') });
    await alice.goBack();
    await expect.poll(() => messageWith(alice, canary).locator('[data-lock]').getAttribute('data-lock'), { timeout: 20_000 }).toBe('encrypted-verified');
    await send(alice, 'Verified you, Bob');
    await bob.goBack();
    await expect.poll(() => messageWith(bob, 'Verified you, Bob').count(), { timeout: 20_000 }).toBe(1);
    expect(await messageWith(bob, 'Verified you, Bob').locator('[data-lock]').getAttribute('data-lock')).toBe('encrypted-unverified');

    // Taking the verification back.
    await alice.goForward();
    await alice.getByRole('button', { name: 'Clear verification' }).click();
    await expect.poll(() => alice.locator('.trust-badge').first().textContent()).toBe('Not verified yet');
    await alice.goBack();
    await expect.poll(() => messageWith(alice, canary).locator('[data-lock]').getAttribute('data-lock'), { timeout: 20_000 }).toBe('encrypted-unverified');

    // Bob marks Alice verified as well: now each side shows the other's messages as verified.
    await bob.goForward();
    await bob.getByRole('button', { name: 'Mark as verified' }).click();
    await expect.poll(() => bob.locator('.trust-badge').first().textContent()).toBe('Verified');
    await bob.goBack();
    await expect.poll(() => messageWith(bob, 'Verified you, Bob').locator('[data-lock]').getAttribute('data-lock'), { timeout: 20_000 }).toBe('encrypted-verified');

    expect(pages.problems).toEqual([]);
    await pages.closeAll();
    await server.kill();
    expectNoCanaries(server.dataDir, [canary]);
  }, 120_000);
});

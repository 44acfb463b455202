/**
 * Device approval in Chromium against the real server (P12 in the app): Alice signs in on a
 * second device, which is not on her signed device list, so Bob's device encrypts nothing to it
 * and it cannot read what he sends; Alice approves it from her first device (settings →
 * devices), the new device notices, and Bob's next message reaches it. Bob's verify screen
 * shows an unapproved device of Alice's as such.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { ROOT } from '../../scripts/build.mjs';
import { startServer, type RunningServer } from '../helpers/server';
import { launchBrowser } from './browser';
import { expectNoCanaries, log, messageWith, PASSWORD, Pages, register, send } from './helpers';

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

describe('devices', () => {
  it('P12: an unapproved device receives no keys; approving it from another device lets it read', async () => {
    const canaries = [`devA${randomBytes(10).toString('hex')}`, `devB${randomBytes(10).toString('hex')}`];
    const alice = await pages.newPage();
    await alice.goto(server.url);
    await register(alice, 'alice', pages.problems);
    await alice.getByRole('button', { name: 'Create a community' }).click();
    await alice.getByLabel('Community name').fill('Devices');
    await alice.getByRole('dialog').getByRole('button', { name: 'Create' }).click();
    await expect.poll(() => alice.getByRole('heading', { name: '#general' }).count()).toBe(1);
    await alice.getByRole('button', { name: 'Invite' }).click();
    await alice.getByRole('button', { name: 'Create invite' }).click();
    const link = await alice.getByTestId('invite-link').inputValue();
    await alice.getByRole('dialog').getByRole('button', { name: 'Close' }).click();
    const channelUrl = alice.url();

    const bob = await pages.newPage();
    await bob.goto(link);
    await bob.getByRole('link', { name: 'Create one' }).click();
    await register(bob, 'bob', pages.problems);
    await bob.getByRole('button', { name: 'Join community' }).click();
    await expect.poll(() => bob.getByRole('heading', { name: '#general' }).count(), { timeout: 20_000 }).toBe(1);

    // Alice's second device: signed in, but not on her list.
    const second = await pages.newPage();
    await second.goto(server.url);
    await second.getByLabel('Username').fill('alice');
    await second.getByLabel('Password').fill(PASSWORD);
    await second.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => second.getByTestId('restore-banner').textContent(), { timeout: 20_000 }).toMatch(/not approved yet/);
    await second.goto(channelUrl);
    await expect.poll(() => second.getByRole('heading', { name: '#general' }).count(), { timeout: 20_000 }).toBe(1);

    // Bob's verify screen shows the unapproved device for what it is.
    const members = bob.getByRole('button', { name: /Members/ });
    if ((await members.getAttribute('aria-pressed')) !== 'true') await members.click();
    await bob.locator('#member-panel').getByRole('link', { name: /^alice/ }).click();
    await expect.poll(() => bob.getByTestId('not-listed').count(), { timeout: 20_000 }).toBe(1);
    await bob.goto(channelUrl.replace(/^https?:\/\/[^/]+/, server.url));

    await send(bob, `Before approval ${canaries[0]}`);
    await expect.poll(() => messageWith(alice, canaries[0]!).count(), { timeout: 20_000 }).toBe(1);
    await expect.poll(() => log(second).locator('[data-lock="waiting-for-key"]').count(), { timeout: 20_000 }).toBeGreaterThanOrEqual(1);
    expect(await messageWith(second, canaries[0]!).count()).toBe(0);

    // Approved from the first device.
    await alice.goto(`${server.url}/#/settings/devices`);
    const row = alice.getByTestId('devices').locator('li', { hasText: 'Not approved' });
    await expect.poll(() => row.count(), { timeout: 20_000 }).toBe(1);
    await alice.screenshot({ path: join(ROOT, 'docs/screenshots/devices.png') });
    await row.getByRole('button', { name: /^Approve device/ }).click();
    await expect.poll(() => alice.getByRole('status').filter({ hasText: 'is approved' }).count()).toBe(1);
    await expect.poll(() => alice.getByTestId('devices').locator('li', { hasText: 'Not approved' }).count()).toBe(0);
    // It notices: the banner now only offers the key backup (history), no longer approval.
    await expect.poll(() => second.getByTestId('restore-banner').textContent(), { timeout: 30_000 }).toMatch(/earlier messages are in your key backup/);

    // Bob's device picks up the new list and encrypts to it. (It re-reads members' devices at
    // most every 15 s; a reload starts it afresh instead of waiting that out.)
    await bob.reload();
    await send(bob, `After approval ${canaries[1]}`);
    await expect.poll(() => messageWith(second, canaries[1]!).count(), { timeout: 40_000 }).toBe(1);
    expect(await messageWith(second, canaries[0]!).count()).toBe(0);

    expect(pages.problems.filter((p) => !/40[149]/.test(p))).toEqual([]);
    await pages.closeAll();
    await server.kill();
    expectNoCanaries(server.dataDir, canaries);
  });
});

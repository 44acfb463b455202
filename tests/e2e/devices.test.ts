/**
 * Device approval in Chromium against the real server (P12 in the app): Alice signs in on a
 * second device, which is not on her signed device list, so Bob's device encrypts nothing to it
 * and it cannot read what he sends; Alice approves it from her first device (settings →
 * devices), the new device notices, and Bob's next message reaches it. Bob's verify screen
 * shows an unapproved device of Alice's as such.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../scripts/build.mjs';
import { browserSuite, communityOfTwo, expectNoCanaries, log, messageWith, send, signInAs } from './helpers';

const suite = browserSuite();

describe('devices', () => {
  it('P12: an unapproved device receives no keys; approving it from another device lets it read', async () => {
    const canaries = [`devA${randomBytes(10).toString('hex')}`, `devB${randomBytes(10).toString('hex')}`];
    const { server, pages } = suite;
    const alice = await pages.newPage();
    const bob = await pages.newPage();
    const { channelUrl } = await communityOfTwo(suite, alice, bob, 'Devices');

    // Alice's second device: signed in, but not on her list.
    const second = await pages.newPage();
    await signInAs(second, server.url, 'alice');
    await expect.poll(() => second.getByTestId('restore-banner').textContent(), { timeout: 20_000 }).toMatch(/not approved yet/);
    await second.goto(channelUrl);
    await expect.poll(() => second.getByRole('heading', { name: '#general' }).count(), { timeout: 20_000 }).toBe(1);

    // Bob's verify screen shows the unapproved device for what it is.
    const members = bob.getByRole('button', { name: /Members/ });
    if ((await members.getAttribute('aria-expanded')) !== 'true') await members.click();
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

    // Bob's device hears of the new list through its hub (it watches Alice's presence) and
    // encrypts his next message to the approved device too, without waiting for its cache.
    await send(bob, `After approval ${canaries[1]}`);
    await expect.poll(() => messageWith(second, canaries[1]!).count(), { timeout: 40_000 }).toBe(1);
    expect(await messageWith(second, canaries[0]!).count()).toBe(0);

    expect(pages.problems.filter((p) => !/40[149]/.test(p))).toEqual([]);
    await pages.closeAll();
    await server.kill();
    expectNoCanaries(server.dataDir, canaries);
  });
});

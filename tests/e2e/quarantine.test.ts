/**
 * Issue #16 item 5, in the browser: the instance's owner finds Bob in Settings → Users and
 * quarantines him with a reason. Bob's screen says at once that his account is quarantined and
 * why, and his composer is off (the room refusing his sends, also on a socket already open, is
 * tested in tests/auth/quarantine.test.ts). Lifted, Bob's app lets him write again after a reload. The server side (DMs, uploads,
 * invites, sockets already open) is tested in tests/auth/quarantine.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { browserSuite, communityOfTwo, messageWith, send, seriousViolations } from './helpers';

const suite = browserSuite();

describe('quarantine in the browser', () => {
  it('16.5: a quarantined member sees why and cannot send; lifted, they can again', async () => {
    const alice = await suite.pages.newPage();
    const bob = await suite.pages.newPage();
    const { channelUrl } = await communityOfTwo(suite, alice, bob, 'Quarantine', ['alice', 'bob']);
    await bob.goto(channelUrl);
    await send(bob, 'hello before');
    await expect.poll(() => messageWith(alice, 'hello before').count(), { timeout: 30_000 }).toBe(1);

    // Alice, the instance's owner: Settings → Users, find Bob, quarantine him with a reason.
    const back = alice.url();
    await alice.goto(`${suite.server.url}/#/settings/users`);
    await alice.getByLabel('Find by username').fill('bo');
    const row = alice.getByTestId('admin-user').filter({ hasText: 'bob' });
    await expect.poll(() => row.count(), { timeout: 20_000 }).toBe(1);
    expect(await seriousViolations(alice)).toEqual([]);
    await row.getByRole('button', { name: 'Quarantine…' }).click();
    await row.getByLabel('Reason (they will see it)').fill('Spamming links');
    await row.getByRole('button', { name: 'Quarantine bob' }).click();
    await expect.poll(() => row.textContent(), { timeout: 20_000 }).toContain('Quarantined: Spamming links');
    await alice.goto(back);
    await expect.poll(() => messageWith(alice, 'hello before').count(), { timeout: 30_000 }).toBe(1);

    // Bob's screen is told at once (the hub's `changed: account`), before he tries to send.
    const banner = bob.getByTestId('quarantined');
    await expect.poll(() => banner.count(), { timeout: 30_000 }).toBe(1);
    expect(await banner.textContent()).toContain('Their reason: Spamming links');
    await expect.poll(() => bob.locator('#composer-input').isDisabled()).toBe(true);
    expect(await seriousViolations(bob)).toEqual([]);

    await alice.goto(`${suite.server.url}/#/settings/users`);
    await alice.getByLabel('Find by username').fill('bob');
    await row.getByRole('button', { name: 'Lift quarantine' }).click();
    await expect.poll(() => row.getByRole('button', { name: 'Quarantine…' }).count(), { timeout: 20_000 }).toBe(1);
    await alice.goto(back);
    await bob.reload();
    await expect.poll(() => bob.locator('#composer-input').isEnabled(), { timeout: 30_000 }).toBe(true);
    expect(await banner.count()).toBe(0);
    await send(bob, 'hello after');
    await expect.poll(() => messageWith(alice, 'hello after').count(), { timeout: 30_000 }).toBe(1);
    // Settings → Users is for the instance's owner and admins only.
    await bob.goto(`${suite.server.url}/#/settings/users`);
    await expect.poll(() => bob.getByRole('heading', { name: 'Profile' }).count(), { timeout: 20_000 }).toBeGreaterThan(0);
    expect(await bob.getByRole('link', { name: 'Users', exact: true }).count()).toBe(0);
  }, 180_000);
});

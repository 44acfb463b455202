/**
 * Issue #16 item 3 in the browser: Alice blocks Bob from the member list. Bob's next message in
 * their community channel is collapsed on Alice's screen (she can show it), and Bob's attempt to
 * start a DM with her is refused with a clear message. Alice unblocks him from Settings →
 * Profile → Blocked accounts, and his messages show again. The server side (read-only DMs,
 * presence and typing hidden both ways) is in tests/moderation/blocks.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { browserSuite, communityOfTwo, messageWith, send, seriousViolations } from './helpers';

const suite = browserSuite();

describe('blocking in the browser', () => {
  it('16.3: block someone, see their messages collapsed and their DM refused; unblock from settings', async () => {
    const alice = await suite.pages.newPage();
    const bob = await suite.pages.newPage();
    const { channelUrl } = await communityOfTwo(suite, alice, bob, 'Blocking', ['alice', 'bob']);
    await bob.goto(channelUrl);
    await alice.goto(channelUrl);
    await alice.getByRole('button', { name: 'Block bob' }).click();
    await expect.poll(() => alice.getByRole('button', { name: 'Unblock bob' }).count(), { timeout: 20_000 }).toBe(1);

    await send(bob, 'hello from a blocked person');
    const collapsed = alice.getByTestId('blocked-message');
    await expect.poll(() => collapsed.count(), { timeout: 30_000 }).toBe(1);
    expect(await messageWith(alice, 'hello from a blocked person').count()).toBe(0);
    expect(await seriousViolations(alice)).toEqual([]);
    await collapsed.getByRole('button', { name: 'Show it' }).click();
    await expect.poll(() => messageWith(alice, 'hello from a blocked person').count()).toBe(1);

    // Bob cannot start a DM with her.
    await bob.getByRole('link', { name: 'Direct messages' }).click();
    await bob.getByRole('button', { name: 'New direct message' }).click();
    await bob.getByLabel('Usernames').fill('alice');
    await bob.getByRole('button', { name: 'Start conversation' }).click();
    await expect.poll(() => bob.getByRole('dialog').getByRole('alert').textContent(), { timeout: 20_000 }).toContain('alice is not accepting messages from you');
    await bob.getByRole('dialog').getByRole('button', { name: 'Close', exact: true }).click();

    // Unblocked from settings: his messages show as they are.
    await alice.goto(`${suite.server.url}/#/settings/profile`);
    const row = alice.getByTestId('blocked-account').filter({ hasText: 'bob' });
    await expect.poll(() => row.count(), { timeout: 20_000 }).toBe(1);
    await row.getByRole('button', { name: 'Unblock' }).click();
    await expect.poll(() => row.count()).toBe(0);
    await alice.goto(channelUrl);
    await bob.goto(channelUrl);
    await send(bob, 'after the unblock');
    await expect.poll(() => messageWith(alice, 'after the unblock').count(), { timeout: 30_000 }).toBe(1);
    expect(await alice.getByTestId('blocked-message').count()).toBe(0);
  }, 180_000);
});

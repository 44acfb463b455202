/**
 * Issue #16 item 4 in the browser: Alice, the community's owner, purges Bob's messages from the
 * member list: the dialog counts them first, then deletes them on confirmation, and both screens
 * show tombstones in their place. The server side is in tests/moderation/purge.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { browserSuite, communityOfTwo, messageWith, send, seriousViolations } from './helpers';

const suite = browserSuite();

describe('purge in the browser', () => {
  it('16.4: count a member’s messages, confirm, and see them deleted for everyone', async () => {
    const alice = await suite.pages.newPage();
    const bob = await suite.pages.newPage();
    const { channelUrl } = await communityOfTwo(suite, alice, bob, 'Purged', ['alice', 'bob']);
    await bob.goto(channelUrl);
    await alice.goto(channelUrl);
    await send(bob, 'spam number one');
    await send(bob, 'spam number two');
    await expect.poll(() => messageWith(alice, 'spam number two').count(), { timeout: 30_000 }).toBe(1);

    await alice.getByRole('button', { name: "Purge bob's messages…" }).click();
    const dialog = alice.getByRole('dialog');
    await dialog.getByRole('button', { name: 'Count messages' }).click();
    await expect.poll(() => dialog.getByTestId('purge-count').textContent(), { timeout: 20_000 }).toContain('2 messages will be deleted for everyone.');
    expect(await seriousViolations(alice)).toEqual([]);
    await dialog.getByRole('button', { name: 'Delete 2 messages' }).click();
    await expect.poll(() => dialog.getByTestId('purge-done').textContent(), { timeout: 20_000 }).toContain('2 messages deleted.');
    await dialog.getByRole('button', { name: 'Close', exact: true }).click();

    for (const page of [alice, bob]) {
      await expect.poll(() => messageWith(page, 'spam number').count(), { timeout: 30_000 }).toBe(0);
      await expect.poll(() => page.getByText('This message was deleted.').count(), { timeout: 30_000 }).toBe(2);
    }
  }, 180_000);
});

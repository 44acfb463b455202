/**
 * Issue #16 item 4 in the browser: Alice, the community's owner, purges Bob's messages from the
 * member list: the dialog counts them first, then deletes them on confirmation, and both screens
 * show tombstones in their place, and the file one of them carried is gone from the server's store.
 * The server side is in tests/moderation/purge.test.ts.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { browserSuite, communityOfTwo, filesUnder, messageWith, send, seriousViolations } from './helpers';

const suite = browserSuite();

describe('purge in the browser', () => {
  it('16.4: count a member’s messages, confirm, and see them deleted for everyone', async () => {
    const alice = await suite.pages.newPage();
    const bob = await suite.pages.newPage();
    const { channelUrl } = await communityOfTwo(suite, alice, bob, 'Purged', ['alice', 'bob']);
    await bob.goto(channelUrl);
    await alice.goto(channelUrl);
    await send(bob, 'spam number one');
    // The second carries a file: the purge deletes it from the server's store too.
    const filesDir = join(suite.server.dataDir, 'blobs', 'files');
    const stored = () => (existsSync(filesDir) ? filesUnder(filesDir).length : 0);
    const before = stored();
    await bob.getByTestId('file-input').setInputFiles({ name: 'spam.txt', mimeType: 'text/plain', buffer: Buffer.from('spam attachment '.repeat(100)) });
    await expect.poll(() => bob.getByTestId('pending-file').filter({ hasText: 'Ready' }).count(), { timeout: 30_000 }).toBe(1);
    await send(bob, 'spam number two');
    await expect.poll(() => messageWith(alice, 'spam number two').count(), { timeout: 30_000 }).toBe(1);
    await expect.poll(() => messageWith(alice, 'spam number two').getByTestId('file-card').count(), { timeout: 30_000 }).toBe(1);
    expect(stored()).toBeGreaterThan(before);

    await alice.getByRole('button', { name: "Purge bob's messages…" }).click();
    const dialog = alice.getByRole('dialog');
    await dialog.getByRole('button', { name: 'Count messages' }).click();
    await expect.poll(() => dialog.getByTestId('purge-count').textContent(), { timeout: 20_000 }).toContain('2 messages will be deleted for everyone. 1 file they uploaded then goes with them.');
    expect(await seriousViolations(alice)).toEqual([]);
    await dialog.getByRole('button', { name: 'Delete 2 messages' }).click();
    await expect.poll(() => dialog.getByTestId('purge-done').textContent(), { timeout: 20_000 }).toContain('2 messages deleted. 1 file deleted.');
    expect(stored()).toBe(before);
    await dialog.getByRole('button', { name: 'Close', exact: true }).click();

    for (const page of [alice, bob]) {
      await expect.poll(() => messageWith(page, 'spam number').count(), { timeout: 30_000 }).toBe(0);
      await expect.poll(() => page.getByText('This message was deleted.').count(), { timeout: 30_000 }).toBe(2);
    }
  }, 180_000);
});

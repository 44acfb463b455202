/**
 * Issue #16 item 6 in the browser: the owner posts an announcement in Settings → Announcements;
 * a second user sees it above the conversation and dismisses it, and it stays dismissed after a
 * reload. The server side is in tests/moderation/announcements.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { browserSuite, communityOfTwo, seriousViolations } from './helpers';

const suite = browserSuite();

describe('announcements in the browser', () => {
  it('16.6: an announcement a second user sees and dismisses', async () => {
    const alice = await suite.pages.newPage();
    const bob = await suite.pages.newPage();
    const { channelUrl } = await communityOfTwo(suite, alice, bob, 'Announced', ['alice', 'bob']);
    await alice.goto(`${suite.server.url}/#/settings/announcements`);
    await alice.getByLabel('Announcement', { exact: true }).fill('Maintenance tonight at 22:00');
    await alice.getByLabel('Severity').selectOption('warning');
    await alice.getByRole('button', { name: 'Post to everyone' }).click();
    await expect.poll(() => alice.getByTestId('admin-announcement').count(), { timeout: 20_000 }).toBe(1);
    expect(await seriousViolations(alice)).toEqual([]);

    await bob.goto(channelUrl);
    await bob.reload();
    const banner = bob.getByTestId('announcement');
    await expect.poll(() => banner.count(), { timeout: 30_000 }).toBe(1);
    expect(await banner.textContent()).toContain('Warning: Maintenance tonight at 22:00');
    expect(await seriousViolations(bob)).toEqual([]);
    await banner.getByRole('button', { name: 'Dismiss announcement' }).click();
    await expect.poll(() => banner.count()).toBe(0);
    await bob.reload();
    await expect.poll(() => bob.getByRole('heading', { name: '#general' }).count(), { timeout: 30_000 }).toBe(1);
    expect(await banner.count()).toBe(0);
    // Only the owner and admins have the section.
    await bob.goto(`${suite.server.url}/#/settings/announcements`);
    expect(await bob.getByRole('link', { name: 'Announcements', exact: true }).count()).toBe(0);
  }, 180_000);
});

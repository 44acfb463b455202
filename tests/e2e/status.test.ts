/**
 * A status beside one's name, in Chromium against `npm start`: Bob sets one in Settings → Profile
 * (which says it is not end-to-end encrypted), Alice's member list shows it beside his name the
 * next time it is read, and clearing it removes it. The server side is tests/communities/status.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { browserSuite, communityOfTwo, seriousViolations } from './helpers';

const suite = browserSuite();

describe('status', () => {
  it('set in the profile, shown in the member list, cleared again', async () => {
    const alice = await suite.pages.newPage();
    const bob = await suite.pages.newPage();
    const { channelUrl } = await communityOfTwo(suite, alice, bob, 'Statuses', ['alice', 'bob']);
    const statusOf = (page: typeof alice, name: string) => page.getByRole('region', { name: /^Members/ }).getByRole('listitem').filter({ hasText: name }).getByTestId('member-status');

    await bob.goto(`${suite.server.url}/#/settings/profile`);
    const field = bob.getByLabel('Status', { exact: true });
    await expect.poll(() => field.count(), { timeout: 20_000 }).toBe(1);
    expect(await bob.locator('#status-note').textContent()).toContain('not end-to-end encrypted');
    await field.fill('Back on Monday 🌴');
    await bob.getByRole('button', { name: 'Save', exact: true }).click();
    await expect.poll(() => bob.getByRole('status').filter({ hasText: 'Saved.' }).count(), { timeout: 20_000 }).toBe(1);
    expect(await seriousViolations(bob)).toEqual([]);

    // Like a new name, a status shows when the list is read next (here, a reload), not live.
    await alice.reload();
    await expect.poll(() => statusOf(alice, 'bob').textContent(), { timeout: 20_000 }).toContain('Back on Monday 🌴');
    // His own list shows it too.
    await bob.goto(channelUrl);
    await expect.poll(() => statusOf(bob, 'bob').textContent(), { timeout: 20_000 }).toContain('Back on Monday 🌴');
    expect(await seriousViolations(alice)).toEqual([]);

    await bob.goto(`${suite.server.url}/#/settings/profile`);
    await expect.poll(() => bob.getByLabel('Status', { exact: true }).inputValue(), { timeout: 20_000 }).toBe('Back on Monday 🌴');
    await bob.getByLabel('Status', { exact: true }).fill('');
    await bob.getByRole('button', { name: 'Save', exact: true }).click();
    await expect.poll(() => bob.getByRole('status').filter({ hasText: 'Saved.' }).count(), { timeout: 20_000 }).toBe(1);
    await alice.reload();
    await expect.poll(() => alice.getByRole('region', { name: /^Members/ }).getByRole('listitem').filter({ hasText: 'bob' }).count(), { timeout: 20_000 }).toBe(1);
    expect(await statusOf(alice, 'bob').count()).toBe(0);
    expect(suite.pages.problems).toEqual([]);
  });
});

/**
 * A status beside one's name, in Chromium against `npm start`: Bob sets one in Settings → Profile
 * (which says it is not end-to-end encrypted), Alice's member list shows it beside his name at
 * once, without a reload (the hub's `profile` frame), as it does a new display name; clearing it
 * removes it. The server side is tests/communities/status.test.ts and tests/hub/hub.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { browserSuite, communityOfTwo, seriousViolations } from './helpers';

const suite = browserSuite();

describe('status', () => {
  it('set in the profile, shown live in the member list with a new name, cleared again', async () => {
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

    // Alice's screen shows it without reading the list again.
    await expect.poll(() => statusOf(alice, 'bob').textContent(), { timeout: 20_000 }).toContain('Back on Monday 🌴');
    // His own list shows it too.
    await bob.goto(channelUrl);
    await expect.poll(() => statusOf(bob, 'bob').textContent(), { timeout: 20_000 }).toContain('Back on Monday 🌴');
    expect(await seriousViolations(alice)).toEqual([]);

    await bob.goto(`${suite.server.url}/#/settings/profile`);
    await expect.poll(() => bob.getByLabel('Status', { exact: true }).inputValue(), { timeout: 20_000 }).toBe('Back on Monday 🌴');
    // A new display name and a cleared status, both live on Alice's screen.
    await bob.getByLabel('Status', { exact: true }).fill('');
    await bob.getByLabel('Display name').fill('Robert');
    await bob.getByRole('button', { name: 'Save', exact: true }).click();
    await expect.poll(() => bob.getByRole('status').filter({ hasText: 'Saved.' }).count(), { timeout: 20_000 }).toBe(1);
    await expect.poll(() => alice.getByRole('region', { name: /^Members/ }).getByRole('listitem').filter({ hasText: 'Robert' }).count(), { timeout: 20_000 }).toBe(1);
    await expect.poll(() => statusOf(alice, 'Robert').count(), { timeout: 20_000 }).toBe(0);
    // And after a reload, as the server stored them.
    await alice.reload();
    await expect.poll(() => alice.getByRole('region', { name: /^Members/ }).getByRole('listitem').filter({ hasText: 'Robert' }).count(), { timeout: 20_000 }).toBe(1);
    expect(await statusOf(alice, 'Robert').count()).toBe(0);
    expect(suite.pages.problems).toEqual([]);
  });
});

/**
 * Live state (issue 12 item 5), in Chromium against `npm start`: member lists follow a join and
 * a kick without a reload, the kicked person's screen loses the community, and a DM someone
 * starts shows in the other's list by itself (the hub's `changed` frame; nothing polls).
 */
import { describe, expect, it } from 'vitest';
import { browserSuite, communityOfTwo, register, startDm } from './helpers';

const suite = browserSuite();

describe('live lists', () => {
  it('12.5: join and kick show in open member lists at once; a new DM appears in the other list without a reload', async () => {
    const alice = await suite.pages.newPage();
    const bob = await suite.pages.newPage();
    const carol = await suite.pages.newPage();
    const { channelUrl } = await communityOfTwo(suite, alice, bob, 'Live', ['alice', 'bob']);
    await bob.goto(channelUrl);
    const members = (page: typeof alice) => page.getByRole('region', { name: /^Members/ }).getByRole('listitem');
    await expect.poll(() => members(alice).count(), { timeout: 20_000 }).toBe(2);
    await expect.poll(() => members(bob).count(), { timeout: 20_000 }).toBe(2);
    const aliceUrl = alice.url();

    // Carol joins by a new link: both open lists grow, nobody reloads.
    await alice.getByRole('button', { name: 'Invite', exact: true }).click();
    await alice.getByRole('button', { name: 'Create invite link' }).click();
    const link = await alice.getByTestId('invite-link').inputValue();
    await alice.getByRole('dialog').getByRole('button', { name: 'Close' }).click();
    await carol.goto(link);
    await register(carol, 'carol', suite.pages.problems);
    await expect.poll(() => carol.getByRole('heading', { name: '#general' }).count(), { timeout: 30_000 }).toBe(1);
    await expect.poll(() => members(alice).count(), { timeout: 20_000 }).toBe(3);
    await expect.poll(() => members(bob).count(), { timeout: 20_000 }).toBe(3);
    expect(alice.url()).toBe(aliceUrl);
    // Carol's own screen has settled (her lists read, no re-read in flight) before she is kicked:
    // a read already on its way when the kick lands is answered 404, as it must be.
    const carolList = carol.getByRole('region', { name: /^Members/ });
    await expect.poll(async () => [await members(carol).count(), await carolList.getAttribute('aria-busy')], { timeout: 20_000 }).toEqual([3, null]);

    // Alice kicks Carol (two presses): Bob's list shrinks, Carol's rail loses the community.
    await alice.getByRole('button', { name: 'Kick carol' }).click();
    await alice.getByRole('button', { name: 'Confirm: remove carol from the community' }).click();
    await expect.poll(() => members(bob).count(), { timeout: 20_000 }).toBe(2);
    await expect.poll(() => members(alice).count(), { timeout: 20_000 }).toBe(2);
    await expect.poll(() => carol.getByRole('link', { name: /^Live/ }).count(), { timeout: 20_000 }).toBe(0);
    await expect.poll(() => carol.getByRole('status').filter({ hasText: 'You are no longer a member of Live' }).count()).toBe(1);
    expect(carol.url()).toBe(`${suite.server.url}/#/`);
    // Bob, a member, is offered no Kick button.
    expect(await bob.getByRole('button', { name: /^Kick/ }).count()).toBe(0);

    // Bob starts a DM with Alice; it shows in her DM list while she only looks at it.
    await alice.getByRole('link', { name: 'Direct messages' }).click();
    await expect.poll(() => alice.getByText('No conversations yet.').count(), { timeout: 20_000 }).toBe(1);
    const started = performance.now();
    await startDm(bob, 'alice');
    await expect.poll(() => alice.getByRole('complementary').getByRole('link', { name: /^bob/ }).count(), { timeout: 20_000 }).toBe(1);
    console.log(`a new DM showed in the other person's list ${((performance.now() - started) / 1000).toFixed(2)} s after the click (no polling)`);
    expect(suite.pages.problems).toEqual([]);
  });
});

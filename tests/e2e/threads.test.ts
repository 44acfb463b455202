/**
 * Issue #15 item 2, in the browser: Bob opens a thread on Alice's message from its actions and
 * replies inside it; Alice sees the reply count and last activity on the message, the thread in
 * the channel's threads list marked as having new replies, opens it from there (which marks it
 * read) and answers; Bob's open panel shows her answer live. Bob's reply notified Alice, who
 * took part in the thread, with a mention badge while she looked elsewhere. Replies are end-to-end encrypted
 * messages whose `replyTo` names the thread's root.
 */
import { describe, expect, it } from 'vitest';
import { browserSuite, communityOfTwo, messageWith, send, seriousViolations } from './helpers';

const suite = browserSuite();

describe('threads in the browser', () => {
  it('15.2: a thread opened from a message, replies in its panel, counts on the root, the threads list with unread state, live replies, participants notified', async () => {
    const alice = await suite.pages.newPage();
    const bob = await suite.pages.newPage();
    const { channelUrl } = await communityOfTwo(suite, alice, bob, 'Threads', ['alice', 'bob']);
    await bob.goto(channelUrl);
    await send(alice, 'lunch plans for friday');
    await expect.poll(() => messageWith(bob, 'lunch plans').count(), { timeout: 30_000 }).toBe(1);

    // Alice looks elsewhere (her direct messages) while Bob replies: a reply in a thread she
    // took part in (she wrote its root) notifies her with a mention badge on the community.
    await alice.getByRole('link', { name: 'Direct messages' }).click();

    // Bob starts a thread from the message's actions and replies in it.
    await messageWith(bob, 'lunch plans').getByRole('button', { name: 'Open thread' }).click();
    const bobPanel = bob.getByRole('complementary', { name: 'Thread' });
    await expect.poll(() => bobPanel.textContent()).toContain('lunch plans for friday');
    await bobPanel.getByRole('textbox', { name: 'Reply in thread' }).fill('pizza at noon?');
    await bobPanel.getByRole('textbox', { name: 'Reply in thread' }).press('Enter');
    await expect.poll(() => bobPanel.getByRole('listitem').count(), { timeout: 30_000 }).toBe(1);
    expect(await seriousViolations(bob)).toEqual([]);

    await expect.poll(() => alice.getByRole('link', { name: /Threads.*1 mention/ }).count(), { timeout: 30_000 }).toBe(1);
    await alice.goto(channelUrl);

    // Alice: the count on the root, and the thread in the list with new replies.
    const link = messageWith(alice, 'lunch plans').getByTestId('thread-link');
    await expect.poll(() => link.textContent(), { timeout: 30_000 }).toMatch(/^1 reply · last /);
    await alice.getByRole('button', { name: /^Threads/ }).click();
    const list = alice.getByRole('region', { name: 'Threads' });
    await expect.poll(() => list.getByRole('button').filter({ hasText: 'lunch plans' }).textContent()).toMatch(/1 reply · last .* new replies$/);
    expect(await seriousViolations(alice)).toEqual([]);
    await list.getByRole('button').filter({ hasText: 'lunch plans' }).click();
    const alicePanel = alice.getByRole('complementary', { name: 'Thread' });
    await expect.poll(() => alicePanel.textContent()).toContain('pizza at noon?');
    // Opened: read. The list no longer says so.
    await alicePanel.getByRole('button', { name: 'Close thread' }).click();
    await alice.getByRole('button', { name: /^Threads/ }).click();
    await expect.poll(() => list.getByRole('button').filter({ hasText: 'lunch plans' }).textContent()).not.toMatch(/new replies/);
    await list.getByRole('button').filter({ hasText: 'lunch plans' }).click();

    // Alice answers in the thread; Bob's open panel shows it live.
    await alicePanel.getByRole('textbox', { name: 'Reply in thread' }).fill('yes, noon works');
    await alicePanel.getByRole('textbox', { name: 'Reply in thread' }).press('Enter');
    await expect.poll(() => bobPanel.getByRole('listitem').count(), { timeout: 30_000 }).toBe(2);
    expect(await bobPanel.getByRole('listitem').nth(1).textContent()).toContain('yes, noon works');
    await expect.poll(() => messageWith(bob, 'lunch plans').getByTestId('thread-link').textContent()).toMatch(/^2 replies/);
    await bobPanel.press('Escape');
    await expect.poll(() => bobPanel.count()).toBe(0);
    expect(suite.pages.problems).toEqual([]);
  }, 240_000);
});

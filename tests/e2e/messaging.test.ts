/**
 * Conversation features in Chromium against the real server, two people in a DM: a reply quotes
 * what it answers; reactions from the picker show on the other side with a count and can be
 * taken back; `:name` completes to an emoji and `@name` to a member (whose mention badge then
 * counts it); a spoiler arrives covered and is uncovered from the keyboard; one side goes offline, the other
 * sends, and on reconnect everything arrives in order — and what the offline side queued is
 * delivered exactly once. Nothing typed reaches the server's storage (V1).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { startServer, type RunningServer } from '../helpers/server';
import { launchBrowser } from './browser';
import { expectNoCanaries, log, messageWith, Pages, reportOnFailure, register, send, seriousViolations, acceptDmRequest } from './helpers';

let server: RunningServer;
let browser: Browser;
let pages: Pages;
reportOnFailure(() => pages);

beforeAll(async () => {
  server = await startServer({ env: { REGISTRATION_MODE: 'open' } });
  browser = await launchBrowser();
  pages = new Pages(browser, server.url);
});
afterAll(async () => {
  await pages?.closeAll();
  await browser?.close();
  await server?.kill();
});

describe('messaging', () => {
  it('replies, reactions, emoji autocomplete, catch-up after going offline in order, and an offline send delivered once; V1', async () => {
    const canary = `canary-msg-${randomBytes(16).toString('hex')}`;
    const alice = await pages.newPage();
    const bob = await pages.newPage();
    await alice.goto(server.url);
    await register(alice, 'alice', pages.problems);
    await bob.goto(`${server.url}/#/register`);
    await register(bob, 'bob', pages.problems);
    await expect.poll(() => bob.getByRole('heading', { name: /Welcome/ }).count(), { timeout: 20_000 }).toBe(1);
    await bob.getByRole('button', { name: 'New direct message' }).click();
    await bob.getByLabel(/Username/).first().fill('alice');
    await bob.getByRole('button', { name: 'Start conversation' }).click();
    await send(bob, `Question: tea or coffee? ${canary}`);
    // The DM Bob started appears in Alice's list once her hub counts it (slow when CI is busy).
    await expect.poll(() => alice.getByRole('complementary').getByRole('link', { name: /bob/ }).count(), { timeout: 60_000 }).toBe(1);
    await alice.getByRole('complementary').getByRole('link', { name: /bob/ }).click();
    await acceptDmRequest(alice);
    await expect.poll(() => messageWith(alice, canary).count(), { timeout: 20_000 }).toBe(1);

    // Alice replies to Bob's message: Bob sees the reply with its quote.
    await messageWith(alice, canary).getByRole('button', { name: 'Reply' }).click();
    await expect.poll(() => alice.getByTestId('replying').count()).toBe(1);
    await send(alice, 'Coffee, always');
    const reply = messageWith(bob, 'Coffee, always');
    await expect.poll(() => reply.count(), { timeout: 20_000 }).toBe(1);
    expect(await reply.locator('.reply-quote').textContent()).toContain('Question: tea or coffee?');

    // A spoiler (||…||) arrives covered: a button named for what it is, its text not drawn, until
    // Bob uncovers it from the keyboard. A reply to it quotes it still covered.
    // The spoiler carries the canary too: the storage scan at the end covers what it hid.
    await send(alice, `The ending: ||the butler did it ${canary}||`);
    const spoiled = messageWith(bob, 'The ending:');
    await expect.poll(() => spoiled.getByRole('button', { name: 'Spoiler: select to show' }).count(), { timeout: 20_000 }).toBe(1);
    expect(await spoiled.locator('.spoiler-text').evaluate((el) => getComputedStyle(el).visibility)).toBe('hidden');
    expect(await seriousViolations(bob)).toEqual([]);
    await spoiled.getByRole('button', { name: 'Spoiler: select to show' }).focus();
    await bob.keyboard.press('Enter');
    await expect.poll(() => spoiled.locator('.spoiler-text').evaluate((el) => getComputedStyle(el).visibility)).toBe('visible');
    expect(await spoiled.getByRole('button', { name: 'Spoiler: select to show' }).count()).toBe(0);
    await spoiled.getByRole('button', { name: 'Reply' }).click();
    await send(bob, 'No way');
    await expect.poll(() => messageWith(alice, 'No way').count(), { timeout: 20_000 }).toBe(1);
    expect(await messageWith(alice, 'No way').locator('.reply-quote').textContent()).toContain('The ending: ▒▒▒');
    expect(await messageWith(alice, 'No way').locator('.reply-quote').textContent()).not.toContain('butler');

    // Bob reacts from the picker; Alice sees it, counted; Bob takes it back.
    await reply.getByRole('button', { name: 'React to message' }).click();
    await bob.getByPlaceholder('Search emoji').fill('party');
    await bob.getByRole('button', { name: 'tada' }).click();
    const chip = messageWith(alice, 'Coffee, always').getByRole('button', { name: /^🎉 1/ });
    await expect.poll(() => chip.count(), { timeout: 20_000 }).toBe(1);
    expect(await chip.getAttribute('aria-label')).toContain('bob');
    await reply.getByRole('button', { name: /^🎉 1/ }).click();
    await expect.poll(() => messageWith(alice, 'Coffee, always').locator('.reaction').count(), { timeout: 20_000 }).toBe(0);

    // `:name` completes to an emoji in the composer.
    const box = bob.locator('#composer-input');
    await box.fill('Deal :rock');
    await expect.poll(() => bob.getByRole('listbox', { name: 'Emoji suggestions' }).count()).toBe(1);
    await box.press('Tab');
    await expect.poll(() => box.inputValue()).toBe('Deal 🚀 ');
    await box.press('Enter');
    await expect.poll(() => messageWith(alice, 'Deal 🚀').count(), { timeout: 20_000 }).toBe(1);

    // @mention autocomplete; the mention travels as routing metadata, so Bob, looking elsewhere,
    // gets a mention badge on the DM.
    await bob.getByRole('link', { name: 'Direct messages' }).click();
    const abox = alice.locator('#composer-input');
    await abox.fill('Ping @bo');
    await expect.poll(() => alice.getByRole('listbox', { name: 'Mention suggestions' }).count()).toBe(1);
    await abox.press('Tab');
    await expect.poll(() => abox.inputValue()).toBe('Ping @bob ');
    await abox.press('Enter');
    await expect.poll(() => bob.getByRole('complementary').getByRole('link', { name: /alice.*1 mention/ }).count(), { timeout: 20_000 }).toBe(1);
    await bob.getByRole('complementary').getByRole('link', { name: /alice/ }).click();
    await acceptDmRequest(bob);
    await expect.poll(() => messageWith(bob, 'Ping @bob').count(), { timeout: 20_000 }).toBe(1);

    // Bob goes offline; Alice sends three; Bob queues one. Back online: all in order, his once.
    await bob.context().setOffline(true);
    await expect.poll(() => bob.getByTestId('offline-banner').count(), { timeout: 20_000 }).toBe(1);
    for (const n of [1, 2, 3]) await send(alice, `while you were away ${n}`);
    await send(bob, 'sent while offline');
    await expect.poll(() => bob.getByTestId('offline-banner').textContent()).toMatch(/1 message is waiting/);
    await bob.context().setOffline(false);
    await expect.poll(() => messageWith(bob, 'while you were away 3').count(), { timeout: 30_000 }).toBe(1);
    const order = await log(bob).locator('li.message .text').allTextContents();
    const away = order.map((t) => t.trim()).filter((t) => t.startsWith('while you were away'));
    expect(away).toEqual(['while you were away 1', 'while you were away 2', 'while you were away 3']);
    await expect.poll(() => messageWith(alice, 'sent while offline').count(), { timeout: 30_000 }).toBe(1);
    await alice.reload();
    await expect.poll(() => messageWith(alice, 'while you were away 3').count(), { timeout: 20_000 }).toBe(1);
    expect(await messageWith(alice, 'sent while offline').count()).toBe(1);

    expect(pages.problems.filter((p) => !/ERR_INTERNET_DISCONNECTED|WebSocket/.test(p))).toEqual([]);
    await pages.closeAll();
    await server.kill();
    expectNoCanaries(server.dataDir, [canary]);
  }, 150_000);
});

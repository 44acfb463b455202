/**
 * Issue #15 item 8, in the browser: search over this device's own history. Bob receives messages
 * from Alice in #general and in a DM; his search finds one by a word (marked in the result), by
 * each filter (from a person, in a conversation, has a link), and jumps from the DM to a message
 * in #general that is far above the drawn window, which is brought into view and focused. The index
 * survives a reload, the words searched for never leave the browser (every request and socket frame
 * is checked), and signing out deletes the index.
 */
import { randomBytes } from 'node:crypto';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { communityOfTwo, expectNoCanaries, expectNoCanariesInDatabase, postgresBrowserSuite, messageWith, openDmFrom, send, seriousViolations, startDm } from './helpers';

// On PostgreSQL: the canary check also searches a dump of the database.
const suite = postgresBrowserSuite();

/** Everything a page sends to the server: request URLs and bodies, socket frames. */
function outgoing(page: Page): string[] {
  const sent: string[] = [];
  page.on('request', (r) => sent.push(`${r.url()} ${r.postData() ?? ''}`));
  page.on('websocket', (ws) => ws.on('framesent', (f) => sent.push(String(f.payload))));
  return sent;
}

async function search(page: Page, words: string) {
  const dialog = page.getByRole('dialog', { name: 'Search messages' });
  if ((await dialog.count()) === 0 || !(await dialog.isVisible())) await page.getByRole('button', { name: 'Search messages' }).click();
  await dialog.getByLabel('Words').fill(words);
  return dialog;
}

describe('search in the browser', () => {
  it('15.8: finds by a word and by filters, jumps to the message, survives a reload, never sends a search word, is deleted at sign-out', async () => {
    const word = `quokka${randomBytes(3).toString('hex')}`;
    const secret = `never${randomBytes(6).toString('hex')}`;
    // Searched for, written by nobody: it exists only in the search box.
    const searchedOnly = `zebra${randomBytes(6).toString('hex')}`;
    // Inside a spoiler: a result shows it covered, even when the search found it.
    const hidden = `rosebud${randomBytes(6).toString('hex')}`;
    const alice = await suite.pages.newPage();
    const bob = await suite.pages.newPage();
    const { channelUrl } = await communityOfTwo(suite, alice, bob, 'Searching', ['alice', 'bob']);
    await bob.goto(channelUrl);
    await expect.poll(() => bob.getByRole('heading', { name: '#general' }).count(), { timeout: 20_000 }).toBe(1);

    // The message to find, then enough after it that it is no longer in the drawn window.
    await send(alice, `Look at this ${word} and a link https://example.org/${secret}`);
    for (let i = 0; i < 55; i++) await send(alice, `filler ${i}`);
    await expect.poll(() => messageWith(bob, 'filler 54').count(), { timeout: 60_000 }).toBe(1);
    await send(bob, `bob also says ${word}`);
    // A DM with the same word.
    await startDm(alice, 'bob');
    await send(alice, `psst ${word} in private ||${hidden} was the sled||`);
    await openDmFrom(bob, 'alice');
    await expect.poll(() => messageWith(bob, 'psst').count(), { timeout: 30_000 }).toBe(1);

    const sent = outgoing(bob);
    let dialog = await search(bob, word.toUpperCase());
    const results = dialog.getByTestId('search-result');
    await expect.poll(() => results.count(), { timeout: 20_000 }).toBe(3);
    expect(await results.first().locator('mark').textContent()).toBe(word);
    expect(await seriousViolations(bob)).toEqual([]);
    await dialog.getByLabel('From').selectOption({ label: 'alice' });
    await expect.poll(() => results.count()).toBe(2);
    await dialog.getByLabel('Has a link').check();
    await expect.poll(() => results.count()).toBe(1);
    expect(await results.first().textContent()).toContain('Searching › #general');
    await dialog.getByLabel('Has a link').uncheck();
    await expect.poll(() => results.count()).toBe(2);
    await dialog.getByLabel('In', { exact: true }).selectOption({ label: 'alice' });
    await expect.poll(() => results.allTextContents()).toEqual([expect.stringContaining('psst')]);
    expect(await results.first().textContent()).toContain('▒▒▒');
    expect(await results.first().textContent()).not.toContain(hidden);
    await dialog.getByLabel('In', { exact: true }).selectOption({ index: 0 });
    await dialog.getByLabel('From').selectOption({ index: 0 });
    // Found by the word inside the spoiler, it still shows covered, marked as the match.
    await dialog.getByLabel('Words').fill(hidden);
    await expect.poll(() => results.first().locator('mark').textContent()).toBe('▒▒▒');
    expect(await results.count()).toBe(1);
    expect(await results.first().textContent()).not.toContain(hidden);
    // A word nobody wrote: no result, and (below) never sent anywhere.
    await dialog.getByLabel('Words').fill(searchedOnly);
    await expect.poll(() => dialog.getByRole('status').textContent()).toBe('0 results');

    // Jump from the DM to the message in #general, far above what is drawn.
    dialog = await search(bob, `${word} link`);
    await expect.poll(() => results.allTextContents()).toEqual([expect.stringContaining(secret)]);
    await results.first().click();
    await expect.poll(() => bob.getByRole('heading', { name: '#general' }).count(), { timeout: 20_000 }).toBe(1);
    const target = messageWith(bob, secret);
    await expect.poll(() => target.evaluate((el) => el === document.activeElement), { timeout: 20_000 }).toBe(true);
    expect(await target.isVisible()).toBe(true);

    // Search words never left the browser.
    for (const w of [word.toUpperCase(), `${word} link`, searchedOnly]) expect(sent.filter((s) => s.includes(w) || s.includes(encodeURIComponent(w)))).toEqual([]);

    // The index is kept: after a reload the same search answers.
    await bob.reload();
    dialog = await search(bob, word);
    await expect.poll(() => results.count(), { timeout: 20_000 }).toBe(3);
    await dialog.getByRole('button', { name: 'Close' }).click();

    // Signing out deletes it with the rest of the device's data.
    await bob.getByRole('button', { name: 'Sign out' }).click();
    await expect.poll(() => bob.evaluate(async () => (await indexedDB.databases()).map((d) => d.name)), { timeout: 20_000 }).not.toContain('chatalot-search');

    await suite.server.stop();
    expectNoCanaries(suite.server.dataDir, [word, secret, searchedOnly, hidden]);
    await expectNoCanariesInDatabase(suite.databaseUrl(), [word, secret, searchedOnly, hidden]);
  }, 300_000);
});

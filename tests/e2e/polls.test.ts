/**
 * Issue #15 item 1, in the browser: Alice makes a poll with three options; Bob and Alice vote and
 * both screens show the same counts live (and who voted, the poll being named); Bob changes his
 * vote; Alice closes the poll and both clients refuse further votes. The question, the options
 * and the choices are canaries: none of them is stored anywhere under DATA_DIR.
 */
import { randomBytes } from 'node:crypto';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { communityOfTwo, expectNoCanaries, expectNoCanariesInDatabase, postgresBrowserSuite, seriousViolations } from './helpers';

// On PostgreSQL: the canary check also searches a dump of the database.
const suite = postgresBrowserSuite();

const poll = (page: Page) => page.getByTestId('poll');
const option = (page: Page, name: string) => poll(page).getByRole('radio', { name: new RegExp(name) });
/** "N votes" on the option named `name`, as that page shows it. */
const votes = (page: Page, name: string) => option(page, name).getByTestId('poll-count').textContent();

describe('polls in the browser', () => {
  it('15.1: a poll with three options, voted by two people with live results, a vote changed, closed early and refusing votes in both clients; nothing readable stored', async () => {
    const canary = `pollcanary${randomBytes(8).toString('hex')}`;
    const alice = await suite.pages.newPage();
    const bob = await suite.pages.newPage();
    const { channelUrl } = await communityOfTwo(suite, alice, bob, 'Polls', ['alice', 'bob']);
    await bob.goto(channelUrl);
    await expect.poll(() => bob.locator('#composer-input').isEnabled(), { timeout: 20_000 }).toBe(true);

    // Alice makes the poll from the composer's button.
    await alice.getByRole('button', { name: 'Create a poll' }).click();
    const dialog = alice.getByRole('dialog', { name: 'Create a poll' });
    await dialog.getByLabel('Question').fill(`Lunch ${canary}q?`);
    await dialog.getByLabel('Option 1', { exact: true }).fill(`Pizza ${canary}a`);
    await dialog.getByLabel('Option 2', { exact: true }).fill(`Sushi ${canary}b`);
    await dialog.getByRole('button', { name: 'Add an option' }).click();
    await dialog.getByLabel('Option 3', { exact: true }).fill(`Tacos ${canary}c`);
    expect(await seriousViolations(alice)).toEqual([]);
    await dialog.getByRole('button', { name: 'Send poll' }).click();

    // Both see it; Bob votes Sushi, Alice Pizza: the counts move on both screens.
    await expect.poll(() => poll(bob).count(), { timeout: 30_000 }).toBe(1);
    await expect.poll(() => option(alice, 'Pizza').isEnabled(), { timeout: 30_000 }).toBe(true);
    await option(bob, 'Sushi').click();
    await expect.poll(() => votes(alice, 'Sushi'), { timeout: 30_000 }).toMatch(/^1 vote · 100%$/);
    await option(alice, 'Pizza').click();
    await expect.poll(() => votes(bob, 'Pizza'), { timeout: 30_000 }).toMatch(/^1 vote · 50%$/);
    expect(await poll(bob).getByTestId('poll-status').textContent()).toMatch(/^2 people voted · open/);
    // Named poll: who voted for what is shown.
    expect(await poll(alice).getByText('bob', { exact: true }).count()).toBe(1);
    expect(await seriousViolations(bob)).toEqual([]);

    // Bob changes his mind: Pizza has both votes, Sushi none, on both screens.
    await option(bob, 'Pizza').click();
    await expect.poll(() => votes(alice, 'Pizza'), { timeout: 30_000 }).toMatch(/^2 votes · 100%$/);
    await expect.poll(() => votes(alice, 'Sushi')).toMatch(/^0 votes · 0%$/);
    await expect.poll(() => option(bob, 'Pizza').getAttribute('aria-checked')).toBe('true');
    await expect.poll(() => option(bob, 'Sushi').getAttribute('aria-checked')).toBe('false');

    // Only the author can close it; then neither client takes a vote.
    expect(await poll(bob).getByRole('button', { name: 'Close poll' }).count()).toBe(0);
    await poll(alice).getByRole('button', { name: 'Close poll' }).click();
    await expect.poll(() => poll(bob).getByTestId('poll-status').textContent(), { timeout: 30_000 }).toMatch(/closed/);
    await expect.poll(() => poll(alice).getByTestId('poll-status').textContent()).toMatch(/closed/);
    for (const page of [alice, bob]) for (const name of ['Pizza', 'Sushi', 'Tacos']) expect(await option(page, name).isDisabled()).toBe(true);
    // A reload keeps the tally and the closed state (rebuilt from the envelopes).
    await bob.reload();
    await expect.poll(() => votes(bob, 'Pizza'), { timeout: 30_000 }).toMatch(/^2 votes · 100%$/);
    expect(await poll(bob).getByTestId('poll-status').textContent()).toMatch(/closed/);
    expect(suite.pages.problems).toEqual([]);

    await suite.server.kill();
    expectNoCanaries(suite.server.dataDir, [`${canary}q`, `${canary}a`, `${canary}b`, `${canary}c`]);
    await expectNoCanariesInDatabase(suite.databaseUrl(), [`${canary}q`, `${canary}a`, `${canary}b`, `${canary}c`]);
  }, 240_000);
});

/**
 * Issue #15 item 4, in the browser: Alice writes a message, schedules it from the composer, edits
 * it in her list of scheduled messages, schedules a second one and cancels it, then closes her
 * browser. The room releases the edited message at its time; Bob reads it from Alice while her
 * browser is closed, and the cancelled one never arrives. Back again, Alice's list is empty and she
 * reads her own released message. Neither text is stored readable anywhere on the server.
 * The room's rules (held when the members change, the per-person cap) are checked on the real
 * server in tests/communities/scheduled.test.ts.
 */
import { randomBytes } from 'node:crypto';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { communityOfTwo, expectNoCanaries, expectNoCanariesInDatabase, postgresBrowserSuite, messageWith, seriousViolations } from './helpers';

// On PostgreSQL: the canary check also searches a dump of the database.
const suite = postgresBrowserSuite();

/** A `datetime-local` value `ms` from now in the page's time zone. */
const localIn = (page: Page, ms: number) =>
  page.evaluate((ahead) => {
    const at = Date.now() + ahead;
    return new Date(at - new Date(at).getTimezoneOffset() * 60_000).toISOString().slice(0, 19);
  }, ms);

describe('scheduled messages in the browser', () => {
  it('15.4: scheduled, edited and listed; one cancelled; the other delivered while its sender is offline; never stored readable', async () => {
    const canary = `later${randomBytes(8).toString('hex')}`;
    const cancelled = `never${randomBytes(8).toString('hex')}`;
    const alice = await suite.pages.newPage();
    const bob = await suite.pages.newPage();
    const { channelUrl } = await communityOfTwo(suite, alice, bob, 'Scheduling', ['alice', 'bob']);
    await bob.goto(channelUrl);
    await expect.poll(() => bob.getByRole('heading', { name: '#general' }).count(), { timeout: 20_000 }).toBe(1);

    const composer = alice.getByRole('textbox', { name: /Message #general/ });
    await composer.fill(`first draft ${canary}`);
    await alice.getByRole('button', { name: 'Schedule message' }).click();
    const dialog = alice.getByRole('dialog', { name: 'Schedule message' });
    await dialog.getByLabel('Send at').fill(await localIn(alice, 45_000));
    expect(await seriousViolations(alice)).toEqual([]);
    await dialog.getByRole('button', { name: 'Schedule' }).click();
    await expect.poll(() => alice.getByRole('button', { name: '1 scheduled message' }).count(), { timeout: 20_000 }).toBe(1);
    expect(await composer.inputValue()).toBe('');

    // A second one, an hour away, to cancel.
    await composer.fill(`do not send ${cancelled}`);
    await alice.getByRole('button', { name: 'Schedule message' }).click();
    await dialog.getByLabel('Send at').fill(await localIn(alice, 3_600_000));
    await dialog.getByRole('button', { name: 'Schedule' }).click();
    await expect.poll(() => alice.getByRole('button', { name: '2 scheduled messages' }).count(), { timeout: 20_000 }).toBe(1);
    await alice.getByRole('button', { name: '2 scheduled messages' }).click();
    const items = alice.getByTestId('scheduled-item');
    await expect.poll(() => items.count()).toBe(2);
    expect(await items.nth(0).textContent()).toContain(`first draft ${canary}`);
    expect(await items.nth(1).textContent()).toContain(cancelled);
    expect(await seriousViolations(alice)).toEqual([]);

    // Edit the first: new text, same time.
    await items.nth(0).getByRole('button', { name: 'Edit' }).click();
    const editor = alice.getByRole('dialog', { name: 'Edit scheduled message' });
    await editor.getByLabel('Message').fill(`edited ${canary}`);
    await editor.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => items.nth(0).textContent(), { timeout: 20_000 }).toContain(`edited ${canary}`);
    // Cancel the second.
    await items.nth(1).getByRole('button', { name: 'Cancel the scheduled message' }).click();
    await expect.poll(() => alice.getByRole('button', { name: '1 scheduled message' }).count(), { timeout: 20_000 }).toBe(1);
    // Nothing of it reached Bob before its time.
    expect(await messageWith(bob, canary).count()).toBe(0);

    // Alice closes the app (its page, and with it every socket); the room sends it at its time.
    const profile = alice.context();
    await alice.close();
    await expect.poll(() => messageWith(bob, `edited ${canary}`).count(), { timeout: 90_000 }).toBe(1);
    expect(await messageWith(bob, `edited ${canary}`).textContent()).toContain('alice');
    expect(await messageWith(bob, 'first draft').count()).toBe(0);
    expect(await messageWith(bob, cancelled).count()).toBe(0);

    // Alice is back: nothing pending, and her released message reads on her own device.
    const again = suite.pages.watch(await profile.newPage());
    await again.goto(channelUrl);
    await expect.poll(() => messageWith(again, `edited ${canary}`).count(), { timeout: 30_000 }).toBe(1);
    expect(await again.getByTestId('scheduled-list').count()).toBe(0);

    await suite.server.stop();
    expectNoCanaries(suite.server.dataDir, [canary, cancelled]);
    await expectNoCanariesInDatabase(suite.databaseUrl(), [canary, cancelled]);
  }, 240_000);
});

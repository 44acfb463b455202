/**
 * Issue #15 item 5, in the browser: Alice turns on disappearing messages in the channel's
 * settings; both see the timer in the header; her message shows a ⏱ on both sides; when its five
 * minutes are up (the browsers' clocks are moved on with Playwright's clock) it is gone from both
 * screens and from both devices' message caches, and a reload does not bring it back. The room's
 * erasure is checked on the real server in tests/communities/disappearing.test.ts. Then the same
 * timer set in a DM from its tools by the other person shows in both headers.
 */
import { randomBytes } from 'node:crypto';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { browserSuite, communityOfTwo, messageWith, openDmFrom, send, seriousViolations, startDm } from './helpers';

const suite = browserSuite();

/** Whether this device's message cache (IndexedDB) holds `text` anywhere. */
const cacheHolds = (page: Page, text: string) =>
  page.evaluate(async (needle) => {
    const names = (await indexedDB.databases()).map((d) => d.name!).filter(Boolean);
    for (const name of names) {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const r = indexedDB.open(name);
        r.onsuccess = () => resolve(r.result);
        r.onerror = () => reject(r.error);
      });
      for (const store of Array.from(db.objectStoreNames)) {
        const all = await new Promise<unknown[]>((resolve, reject) => {
          const r = db.transaction(store).objectStore(store).getAll();
          r.onsuccess = () => resolve(r.result);
          r.onerror = () => reject(r.error);
        });
        if (JSON.stringify(all).includes(needle)) return (db.close(), true);
      }
      db.close();
    }
    return false;
  }, text);

describe('disappearing messages in the browser', () => {
  it('15.5: a timer set in the channel settings; the message shows the timer, then disappears from both screens and both caches when it runs out', async () => {
    const canary = `vanish${randomBytes(8).toString('hex')}`;
    const alice = await suite.pages.newPage();
    const bob = await suite.pages.newPage();
    // Both browsers' clocks run as usual until the test moves them on.
    await alice.context().clock.install();
    await bob.context().clock.install();
    const { channelUrl } = await communityOfTwo(suite, alice, bob, 'Vanishing', ['alice', 'bob']);
    await bob.goto(channelUrl);

    await alice.getByRole('button', { name: 'Channel settings' }).click();
    const settings = alice.getByRole('dialog', { name: /Channel settings/ });
    await settings.getByLabel('Disappearing messages').selectOption('300');
    await expect.poll(() => settings.getByLabel('Disappearing messages').inputValue()).toBe('300');
    expect(await seriousViolations(alice)).toEqual([]);
    await settings.getByRole('button', { name: 'Close' }).click();
    for (const page of [alice, bob]) await expect.poll(() => page.getByTestId('disappearing-note').textContent(), { timeout: 20_000 }).toMatch(/Messages disappear after 5 minutes\./);

    await send(alice, `gone soon ${canary}`);
    await send(alice, 'still here?');
    await expect.poll(() => messageWith(bob, canary).count(), { timeout: 30_000 }).toBe(1);
    await expect.poll(() => messageWith(alice, canary).locator('.disappears').count()).toBe(1);
    expect(await messageWith(bob, canary).locator('.disappears').count()).toBe(1);
    await expect.poll(() => cacheHolds(bob, canary), { timeout: 10_000 }).toBe(true);

    // Six minutes later on both devices.
    await alice.context().clock.fastForward('06:00');
    await bob.context().clock.fastForward('06:00');
    for (const page of [alice, bob]) await expect.poll(() => messageWith(page, canary).count(), { timeout: 20_000 }).toBe(0);
    for (const page of [alice, bob]) await expect.poll(() => cacheHolds(page, canary), { timeout: 10_000 }).toBe(false);
    // Gone, not shown as deleted; a reload does not bring it back.
    expect(await bob.getByText('This message was deleted.').count()).toBe(0);
    await bob.reload();
    await expect.poll(() => messageWith(bob, 'still here?').count(), { timeout: 30_000 }).toBe(0);
    expect(await messageWith(bob, canary).count()).toBe(0);

    // In a DM either person sets it from the conversation's tools; both headers say so.
    await startDm(alice, 'bob');
    await expect.poll(() => alice.locator('#composer-input').isEnabled(), { timeout: 20_000 }).toBe(true);
    await send(alice, 'hello in private');
    await openDmFrom(bob, 'alice');
    await bob.getByRole('combobox', { name: 'Disappearing messages' }).selectOption('3600');
    for (const page of [alice, bob]) await expect.poll(() => page.getByTestId('disappearing-note').textContent(), { timeout: 20_000 }).toMatch(/Messages disappear after 1 hour\./);
    expect(await seriousViolations(bob)).toEqual([]);
    expect(suite.pages.problems).toEqual([]);
  }, 240_000);
});

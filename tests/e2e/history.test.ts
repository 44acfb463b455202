/**
 * Long conversations in Chromium against the real server: a member who was away while 130
 * messages arrived opens the channel and gets the newest page only (the oldest are not in the
 * page), sees the "Jump to first unread" button, jumps back to the first message they had not
 * read with the "new" line right above it, and scrolling back to the top loads the rest; every
 * message appears exactly once, in order. Opened again from the device's cache, its first rows
 * are drawn a few at a time without moving anything on screen. A message forwarded to a DM
 * arrives quoted, with its author.
 */
import { describe, expect, it } from 'vitest';
import { browserSuite, communityOfTwo, log, messageWith, send, acceptDmRequest } from './helpers';

const suite = browserSuite({ SEND_RATE_PER_SECOND: '1000' });

const COUNT = 130;

describe('history', () => {
  it('newest page first, jump to first unread with the new line, infinite scroll back, nothing duplicated', async () => {
    const { pages } = suite;
    const alice = await pages.newPage();
    const bob = await pages.newPage();
    const { channelUrl } = await communityOfTwo(suite, alice, bob, 'Long talk');
    await send(alice, 'Before you left');
    await expect.poll(() => messageWith(bob, 'Before you left').count(), { timeout: 20_000 }).toBe(1);
    // Bob has read it (it was on his screen; his hub has it, as Alice's read receipt shows); then he closes the app.
    await expect.poll(() => messageWith(alice, 'Before you left').getByText('Seen by bob').count(), { timeout: 20_000 }).toBe(1);
    const bobContext = bob.context();
    await bob.close();

    const box = alice.locator('#composer-input');
    for (let i = 1; i <= COUNT; i++) {
      await box.fill(`Away message ${i} of ${COUNT}`);
      await box.press('Enter');
    }
    await expect.poll(() => alice.locator('li.message.pending').count(), { timeout: 120_000 }).toBe(0);

    const again = pages.watch(await bobContext.newPage());
    await again.goto(channelUrl);
    await expect.poll(() => messageWith(again, `Away message ${COUNT} of ${COUNT}`).count(), { timeout: 30_000 }).toBe(1);
    // Only the newest page was fetched and only a window of it is drawn.
    expect(await messageWith(again, 'Away message 1 of').count()).toBe(0);
    expect(await log(again).locator('li.message').count()).toBeLessThanOrEqual(60);

    await again.getByRole('button', { name: 'Jump to first unread' }).click();
    const first = messageWith(again, `Away message 1 of ${COUNT}`);
    await expect.poll(() => first.count(), { timeout: 30_000 }).toBe(1);
    await expect.poll(() => first.isVisible()).toBe(true);
    // The "new" line sits right above the first unread message.
    const divider = again.getByTestId('new-divider');
    expect(await divider.count()).toBe(1);
    expect(await divider.evaluate((el) => (el.nextElementSibling as HTMLElement | null)?.textContent ?? '')).toContain(`Away message 1 of ${COUNT}`);

    // Scrolling to the top brings in the rest (the message from before).
    for (let i = 0; i < 20 && (await messageWith(again, 'Before you left').count()) === 0; i++) {
      await again.locator('ol.messages').evaluate((el) => (el.scrollTop = 0));
      await again.waitForTimeout(200);
    }
    expect(await messageWith(again, 'Before you left').count()).toBe(1);
    const texts = await log(again).locator('li.message .text').allTextContents();
    for (let i = 1; i <= COUNT; i++) expect(texts.filter((t) => t.includes(`Away message ${i} of ${COUNT}`)).length, `message ${i}`).toBe(1);
    const order = texts.map((t) => Number(/Away message (\d+) of/.exec(t)?.[1] ?? NaN)).filter((n) => !Number.isNaN(n));
    expect(order).toEqual([...order].sort((a, b) => a - b));

    // Forward one of them to a DM: it arrives there quoted, saying whose it was.
    await again.getByRole('link', { name: 'Direct messages' }).click();
    await again.getByRole('button', { name: 'New direct message' }).click();
    await again.getByLabel('Username').fill('alice');
    await again.getByRole('button', { name: 'Start conversation' }).click();
    await expect.poll(() => again.locator('#composer-input').isEnabled(), { timeout: 20_000 }).toBe(true);
    // Opened again from this device's cache (a new page: a new session), the conversation's
    // first rows are drawn a few at a time; nothing on screen moves while they are, and it ends
    // on the newest message with at least the first window drawn.
    await again.addInitScript(() => {
      const w = window as unknown as { shifts: number };
      w.shifts = 0;
      new PerformanceObserver((list) => {
        for (const e of list.getEntries() as (PerformanceEntry & { value: number; hadRecentInput: boolean })[]) if (!e.hadRecentInput) w.shifts += e.value;
      }).observe({ type: 'layout-shift', buffered: true });
    });
    await again.goto(channelUrl);
    await again.reload();
    const source = messageWith(again, `Away message ${COUNT} of ${COUNT}`);
    await expect.poll(() => source.count(), { timeout: 20_000 }).toBe(1);
    await expect.poll(() => log(again).locator('li.message').count(), { timeout: 20_000 }).toBeGreaterThanOrEqual(20);
    await expect
      .poll(() => again.locator('ol.messages').evaluate((list) => list.scrollHeight - list.scrollTop - list.clientHeight), { timeout: 20_000 })
      .toBeLessThan(2);
    expect(await again.evaluate(() => (window as unknown as { shifts: number }).shifts)).toBe(0);
    // The first row drawn is grouped by the message above it, drawn or not: it continues Alice's
    // run of messages rather than starting one that older rows drawn later would end.
    expect(await log(again).locator('li.message').first().getAttribute('class')).toMatch(/\bcontinued\b/);
    await source.getByRole('button', { name: 'Forward' }).click();
    await source.getByLabel('Forward to').selectOption({ label: 'alice' });
    await source.locator('form.forward-form').getByRole('button', { name: 'Forward' }).click();
    await alice.getByRole('link', { name: 'Direct messages' }).click();
    await expect.poll(() => alice.getByRole('complementary').getByRole('link', { name: /bob/ }).count(), { timeout: 60_000 }).toBe(1);
    await alice.getByRole('complementary').getByRole('link', { name: /bob/ }).click();
    await acceptDmRequest(alice);
    await expect.poll(() => messageWith(alice, `Away message ${COUNT} of ${COUNT}`).textContent(), { timeout: 20_000 }).toMatch(/Forwarded from alice/);
    expect(pages.problems).toEqual([]);
  });
});

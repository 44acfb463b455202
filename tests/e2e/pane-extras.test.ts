/**
 * The message pane's extras in Chromium against the real server, with an owner and a member of a
 * community: a fenced code block arrives syntax-highlighted; each message's time is a <time>
 * element with its instant in `datetime`, the full date in its tooltip and a relative label;
 * pins — a member without the permission is not offered Pin in a community channel, the owner's pin shows on
 * the member's side with a marker and in the Pinned list (whose entry scrolls to the message),
 * unpinning takes it out again, and in a DM a plain member may pin; relative labels refresh.
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { browserSuite, communityOfTwo, messageWith, send, acceptDmRequest } from './helpers';

const suite = browserSuite();
let alice: Page;
let bob: Page;
let channelUrl: string;

const pinnedList = (page: Page) => page.getByRole('region', { name: 'Pinned messages' });

/** Whether a message row is drawn and lies wholly inside the scrolled list's visible area (a row out of the drawn window is not). */
const inView = async (page: Page, text: string) =>
  (await messageWith(page, text).count()) > 0 &&
  messageWith(page, text).evaluate((li) => {
    const list = li.closest('ol')!.getBoundingClientRect();
    const row = li.getBoundingClientRect();
    return row.top >= list.top && row.bottom <= list.bottom;
  });

/** Opens the Pinned list if it is closed. */
async function openPinned(page: Page): Promise<void> {
  const button = page.getByRole('button', { name: /^Pinned/ });
  if ((await button.getAttribute('aria-expanded')) !== 'true') await button.click();
}

describe('message pane extras', () => {
  it('an owner and a member share a community channel', async () => {
    alice = await suite.pages.newPage();
    bob = await suite.pages.newPage();
    ({ channelUrl } = await communityOfTwo(suite, alice, bob, 'Pins and code'));
  }, 90_000);

  it('a fenced ts block renders with highlight spans', async () => {
    await send(alice, 'Try this:\n```ts\nconst answer: number = 42; // the answer\n```');
    const code = messageWith(bob, 'const answer').locator('pre code.hljs.language-ts');
    await expect.poll(() => code.count(), { timeout: 20_000 }).toBe(1);
    await expect.poll(() => code.locator('span.hljs-keyword').first().textContent(), { timeout: 10_000 }).toBe('const');
    expect(await code.locator('span.hljs-comment').textContent()).toBe('// the answer');
    expect(await code.textContent()).toBe('const answer: number = 42; // the answer');
    // The token colours apply: a keyword is not drawn in the text colour.
    const [keyword, text] = await code.evaluate((el) => [getComputedStyle(el.querySelector('.hljs-keyword')!).color, getComputedStyle(el).color]);
    expect(keyword).not.toBe(text);
  });

  it('a message time is a <time> with its instant, the full date as tooltip and a relative label', async () => {
    const time = messageWith(bob, 'const answer').locator('.meta time');
    const datetime = await time.getAttribute('datetime');
    expect(datetime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(Math.abs(Date.parse(datetime!) - Date.now())).toBeLessThan(120_000);
    expect(await time.getAttribute('title')).toContain(String(new Date(datetime!).getFullYear()));
    expect((await time.textContent())?.trim()).toMatch(/^(just now|1 minute ago)$/);
  });

  it('a member without the permission is not offered pinning; the owner pins, the member sees it and jumps to it; unpin removes it', async () => {
    await send(bob, 'Meeting moved to Thursday');
    await expect.poll(() => messageWith(alice, 'Meeting moved').count(), { timeout: 20_000 }).toBe(1);

    // Bob may not pin in a community channel, so he is not offered it (the server would refuse it).
    expect(await messageWith(bob, 'Meeting moved').getByRole('button', { name: 'React to message' }).count()).toBe(1);
    expect(await messageWith(bob, 'Meeting moved').getByRole('button', { name: 'Pin message' }).count()).toBe(0);

    // Alice owns the community: her pin reaches Bob, marked and listed.
    await messageWith(alice, 'Meeting moved').getByRole('button', { name: 'Pin message' }).click();
    await expect.poll(() => messageWith(bob, 'Meeting moved').getByTestId('pin-marker').count(), { timeout: 20_000 }).toBe(1);
    expect(await bob.getByRole('button', { name: /^Pinned/ }).textContent()).toBe('Pinned (1)');
    // Enough newer messages that the pinned one scrolls out of view, so the jump is observable.
    for (let i = 1; i <= 25; i++) await send(alice, `filler ${i}`);
    await expect.poll(() => messageWith(bob, 'filler 25').count(), { timeout: 30_000 }).toBe(1);
    await expect.poll(() => inView(bob, 'Meeting moved')).toBe(false);
    await openPinned(bob);
    const entry = pinnedList(bob).getByRole('button', { name: /Meeting moved to Thursday/ });
    expect(await entry.count()).toBe(1);
    expect(await entry.textContent()).toContain('bob');
    await entry.click();
    await expect.poll(() => pinnedList(bob).count()).toBe(0);
    await expect.poll(() => bob.evaluate(() => document.activeElement?.textContent ?? '')).toContain('Meeting moved to Thursday');
    expect(await inView(bob, 'Meeting moved')).toBe(true);

    // Alice unpins: gone from Bob's list and marker. Her 25 messages since took it out of her
    // drawn window, so she goes to it the way she would, through her own pinned list.
    await openPinned(alice);
    await pinnedList(alice).getByRole('button', { name: /Meeting moved to Thursday/ }).click();
    await messageWith(alice, 'Meeting moved').getByRole('button', { name: 'Unpin message' }).click();
    await expect.poll(() => messageWith(bob, 'Meeting moved').getByTestId('pin-marker').count(), { timeout: 20_000 }).toBe(0);
    await openPinned(bob);
    expect(await pinnedList(bob).getByRole('button', { name: /Meeting moved/ }).count()).toBe(0);
    expect(await pinnedList(bob).textContent()).toContain('No pinned messages');
    expect(await bob.getByRole('button', { name: /^Pinned/ }).textContent()).toBe('Pinned');
  }, 120_000);

  it('in a DM a plain member may pin, and the other side sees it', async () => {
    await bob.getByRole('link', { name: 'Direct messages' }).click();
    await bob.getByRole('button', { name: 'New direct message' }).click();
    await bob.getByLabel(/Username/).first().fill('alice');
    await bob.getByRole('button', { name: 'Start conversation' }).click();
    await send(bob, 'Pin me, please');
    await messageWith(bob, 'Pin me, please').getByRole('button', { name: 'Pin message' }).click();
    await alice.getByRole('link', { name: 'Direct messages' }).click();
    await expect.poll(() => alice.getByRole('complementary').getByRole('link', { name: /bob/ }).count(), { timeout: 60_000 }).toBe(1);
    await alice.getByRole('complementary').getByRole('link', { name: /bob/ }).click();
    await acceptDmRequest(alice);
    await expect.poll(() => messageWith(alice, 'Pin me, please').getByTestId('pin-marker').count(), { timeout: 20_000 }).toBe(1);
    await openPinned(alice);
    expect(await pinnedList(alice).getByRole('button', { name: /Pin me, please/ }).count()).toBe(1);
    expect(await bob.getByRole('alert').count()).toBe(0);
  }, 120_000);

  it('a draft survives a route update within its conversation and waits while another one is open', async () => {
    // Bob is in the DM with Alice. What he types stays while the same address is set again (as
    // navigating and the hashchange it causes both do): that used to re-create the conversation
    // and wipe the composer between typing and Enter.
    const composer = bob.locator('#composer-input');
    await composer.fill('half a thought for alice');
    const dm = await bob.evaluate(() => location.hash);
    await bob.evaluate(() => {
      history.replaceState(null, '', location.hash);
      dispatchEvent(new HashChangeEvent('hashchange'));
    });
    await bob.waitForTimeout(300);
    expect(await composer.inputValue()).toBe('half a thought for alice');
    // Over to the community channel: its composer is empty; back in the DM the draft is there.
    await bob.evaluate((hash) => (location.hash = hash), new URL(channelUrl).hash);
    await expect.poll(() => bob.getByRole('heading', { name: '#general' }).count(), { timeout: 10_000 }).toBe(1);
    await expect.poll(() => composer.inputValue()).toBe('');
    await bob.evaluate((hash) => (location.hash = hash), dm);
    await expect.poll(() => composer.inputValue(), { timeout: 10_000 }).toBe('half a thought for alice');
    await composer.press('Enter');
    await expect.poll(() => messageWith(alice, 'half a thought for alice').count(), { timeout: 20_000 }).toBe(1);
  }, 60_000);

  it('relative labels move on with the pane clock', async () => {
    // Playwright's clock replaces the page's timers and Date (from the reload on); fast-forwarding
    // fires the pane's shared refresh timer, as half a minute passing would.
    await alice.clock.install();
    await alice.reload();
    const time = messageWith(alice, 'Pin me, please').locator('.meta time');
    await expect.poll(() => time.textContent(), { timeout: 20_000 }).toMatch(/just now|1 minute ago/);
    await alice.clock.fastForward('05:00');
    await expect.poll(() => time.textContent()).toMatch(/^\s*[56] minutes ago\s*$/);
    expect(suite.pages.problems).toEqual([]);
  }, 60_000);
});

/**
 * The message list and the keyboard (issue 12 items 3 and 4), in Chromium against `npm start`:
 * grouping under one name and avatar, day separators, the action toolbar that appears on hover
 * and on keyboard focus instead of permanent links, the "New messages" line only for what came
 * while the conversation was out of view, Up to edit the last message, Escape to cancel, the
 * Ctrl+K quick switcher, Alt+Up/Down between conversations and the `?` shortcuts dialog. A
 * conversation shorter than the list sits at the list's bottom, as in other chat apps.
 */
import { describe, expect, it } from 'vitest';
import type { Locator } from 'playwright-core';
import { browserSuite, communityOfTwo, messageWith, send, seriousViolations } from './helpers';

const suite = browserSuite();
const opacity = (l: Locator) => l.evaluate((el) => getComputedStyle(el).opacity);

describe('message list and keyboard', () => {
  it('12.3/12.4: groups, day separator, hover and focus toolbar, new-messages line, Up/Escape, Ctrl+K, Alt+arrows and ?', async () => {
    const alice = await suite.pages.newPage();
    const bob = await suite.pages.newPage();
    const { channelUrl } = await communityOfTwo(suite, alice, bob, 'Readers', ['alice', 'bob']);
    await bob.goto(channelUrl);

    // Grouping: three quick messages from Alice are one group; Bob's reply starts another.
    await send(alice, 'first of three');
    await send(alice, 'second of three');
    await send(alice, 'third of three');
    await expect.poll(() => messageWith(bob, 'third of three').count(), { timeout: 30_000 }).toBe(1);
    await send(bob, 'an answer from bob');
    await expect.poll(() => messageWith(alice, 'an answer from bob').count(), { timeout: 30_000 }).toBe(1);
    const classes = async (text: string) => (await messageWith(alice, text).getAttribute('class')) ?? '';
    // Waited for, not read once: a row of Alice's is re-keyed when its ack arrives, and a CI run
    // read 'second of three' while it still stood as a group start (its earlier state).
    await expect.poll(() => classes('first of three')).toMatch(/group-start/);
    await expect.poll(() => classes('second of three')).toMatch(/continued/);
    await expect.poll(() => classes('third of three')).toMatch(/continued/);
    await expect.poll(() => classes('an answer from bob')).toMatch(/group-start/);
    expect(await messageWith(alice, 'second of three').locator('.avatar').count()).toBe(0);
    expect(await messageWith(alice, 'first of three').locator('.avatar').textContent()).toBe('AL');
    // The continued rows still name their sender to a screen reader.
    expect(await messageWith(alice, 'second of three').locator('.sender').textContent()).toBe('alice');
    expect(await alice.getByTestId('day-divider').allTextContents()).toEqual(['Today']);
    // A conversation shorter than the list sits at its bottom, by the composer.
    const gapBelow = () =>
      alice.locator('ol.messages').evaluate((list) => {
        const rows = list.querySelectorAll('li.message');
        const last = rows[rows.length - 1]!.getBoundingClientRect().bottom;
        return { below: list.getBoundingClientRect().bottom - last, above: rows[0]!.getBoundingClientRect().top - list.getBoundingClientRect().top, overflows: list.scrollHeight > list.clientHeight };
      });
    const short = await gapBelow();
    expect(short.overflows).toBe(false);
    expect(short.below).toBeLessThan(40); // the list's padding
    expect(short.above).toBeGreaterThan(100);

    // The toolbar: hidden at rest, shown on hover, and on keyboard focus.
    await alice.mouse.move(0, 0);
    const tools = messageWith(alice, 'second of three').getByRole('group', { name: 'Message actions' });
    expect(await opacity(tools)).toBe('0');
    await messageWith(alice, 'second of three').hover();
    await expect.poll(() => opacity(tools)).toBe('1');
    await alice.mouse.move(0, 0);
    await expect.poll(() => opacity(tools)).toBe('0');
    await tools.getByRole('button', { name: 'Reply' }).focus();
    await expect.poll(() => opacity(tools)).toBe('1');
    // On a touch screen (no hover: Chromium's touch emulation) the "…" button holds the toolbar open.
    const cdp = await alice.context().newCDPSession(alice);
    await cdp.send('Emulation.setTouchEmulationEnabled', { enabled: true, maxTouchPoints: 5 });
    await expect.poll(() => alice.evaluate(() => matchMedia('(hover: none)').matches)).toBe(true);
    await alice.locator('#composer-input').focus();
    const more = messageWith(alice, 'an answer from bob').getByRole('button', { name: 'Message actions' });
    const bobTools = messageWith(alice, 'an answer from bob').getByRole('group', { name: 'Message actions' });
    await expect.poll(() => more.isVisible()).toBe(true);
    expect(await opacity(bobTools)).toBe('0');
    await more.click();
    expect(await more.getAttribute('aria-expanded')).toBe('true');
    await alice.locator('#composer-input').focus();
    await expect.poll(() => opacity(bobTools)).toBe('1');
    await more.click();
    await cdp.send('Emulation.setTouchEmulationEnabled', { enabled: false });

    // Up in the empty composer edits the last own message; Escape cancels.
    const box = alice.locator('#composer-input');
    await box.focus();
    await box.press('ArrowUp');
    await expect.poll(() => box.inputValue()).toBe('third of three');
    expect(await alice.getByText('Editing your message.').count()).toBe(1);
    await box.press('Escape');
    await expect.poll(() => box.inputValue()).toBe('');
    expect(await alice.getByText('Editing your message.').count()).toBe(0);
    await box.press('ArrowUp');
    await box.fill('third of three, edited');
    await box.press('Enter');
    await expect.poll(() => messageWith(bob, 'third of three, edited').count(), { timeout: 30_000 }).toBe(1);
    // 15.3: Bob opens the edit history from the keyboard: both versions, newest first, each its own envelope.
    await messageWith(bob, 'third of three, edited').getByRole('button', { name: '(edited)' }).focus();
    await bob.keyboard.press('Enter');
    const history = bob.getByRole('dialog', { name: 'Edit history' });
    await expect.poll(() => history.getByRole('listitem').count()).toBe(2);
    expect(await history.getByRole('listitem').nth(0).textContent()).toMatch(/Current version\s*third of three, edited$/);
    expect(await history.getByRole('listitem').nth(1).textContent()).toMatch(/Original\s*third of three$/);
    expect(await seriousViolations(bob)).toEqual([]);
    await bob.keyboard.press('Escape');
    await expect.poll(() => history.count()).toBe(0);
    // Escape also cancels a reply.
    await messageWith(alice, 'an answer from bob').getByRole('button', { name: 'Reply' }).click();
    await expect.poll(() => alice.getByTestId('replying').count()).toBe(1);
    await box.press('Escape');
    await expect.poll(() => alice.getByTestId('replying').count()).toBe(0);

    // A second channel, then Alt+Up/Down and Ctrl+K between them.
    await alice.getByText('Community menu').click();
    await alice.getByRole('button', { name: 'Create channel' }).click();
    await alice.getByLabel('Channel name').fill('random');
    await alice.getByRole('dialog').getByRole('button', { name: 'Create' }).click();
    await expect.poll(() => alice.getByRole('heading', { name: '#random' }).count()).toBe(1);
    await alice.keyboard.press('Alt+ArrowUp');
    await expect.poll(() => alice.getByRole('heading', { name: '#general' }).count()).toBe(1);
    await alice.keyboard.press('Alt+ArrowDown');
    await expect.poll(() => alice.getByRole('heading', { name: '#random' }).count()).toBe(1);
    await alice.keyboard.press('Control+k');
    const switcher = alice.getByRole('dialog', { name: 'Go to a conversation' });
    await expect.poll(() => switcher.count()).toBe(1);
    await alice.keyboard.type('gen');
    await expect.poll(() => switcher.getByRole('option').first().textContent()).toMatch(/#general/);
    expect(await seriousViolations(alice)).toEqual([]);
    await alice.keyboard.press('Enter');
    await expect.poll(() => alice.getByRole('heading', { name: '#general' }).count()).toBe(1);
    // People too: Ctrl+K, "bob", Enter opens a DM with him.
    await alice.keyboard.press('Control+k');
    await alice.keyboard.type('bob');
    await expect.poll(() => switcher.getByRole('option').first().textContent()).toMatch(/bob.*Person/);
    await alice.keyboard.press('Enter');
    await expect.poll(() => alice.getByRole('heading', { level: 2, name: 'bob' }).count(), { timeout: 20_000 }).toBe(1);

    // ? lists the shortcuts (not while typing).
    await alice.locator('#composer-input').focus();
    await alice.keyboard.type('?');
    expect(await alice.getByRole('dialog', { name: 'Keyboard shortcuts' }).count()).toBe(0);
    await alice.locator('#composer-input').fill('');
    await alice.locator('#composer-input').blur();
    await alice.keyboard.press('?');
    const help = alice.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await expect.poll(() => help.count()).toBe(1);
    expect(await help.textContent()).toMatch(/Ctrl K.*Alt ↑ \/ Alt ↓.*Edit your last message.*Esc/s);
    expect(await seriousViolations(alice)).toEqual([]);
    await alice.keyboard.press('Escape');
    await expect.poll(() => help.count()).toBe(0);

    // The "New messages" line: none for what arrives while Alice looks at #general ...
    await alice.goto(channelUrl);
    await expect.poll(() => messageWith(alice, 'an answer from bob').count(), { timeout: 30_000 }).toBe(1);
    await send(bob, 'while alice is looking');
    await expect.poll(() => messageWith(alice, 'while alice is looking').count(), { timeout: 30_000 }).toBe(1);
    expect(await alice.getByTestId('new-divider').count()).toBe(0);
    // ... and one above what came while she was elsewhere.
    await alice.getByRole('link', { name: /^random/ }).click();
    await expect.poll(() => alice.getByRole('heading', { name: '#random' }).count()).toBe(1);
    await send(bob, 'while alice is away');
    await expect.poll(() => alice.getByRole('link', { name: /^general, 1 unread/ }).count(), { timeout: 30_000 }).toBe(1);
    await alice.getByRole('link', { name: /^general/ }).click();
    await expect.poll(() => messageWith(alice, 'while alice is away').count(), { timeout: 30_000 }).toBe(1);
    await expect.poll(() => alice.getByTestId('new-divider').count()).toBe(1);
    const order = await alice.locator('[role="log"] li').evaluateAll((lis) => lis.map((li) => (li.classList.contains('new-divider') ? 'NEW' : (li.textContent ?? '').includes('while alice is away') ? 'AWAY' : '')).filter(Boolean));
    expect(order).toEqual(['NEW', 'AWAY']);
    expect(suite.pages.problems).toEqual([]);
  });
});

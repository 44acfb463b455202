/**
 * Issue #17 item 1 in Chromium: desktop notifications. Bob turns them on in Settings →
 * Notifications (the browser is asked only then). A message in the conversation he is looking at
 * raises none; the same conversation in a background window raises one that names it (never the
 * text); set to "Only mentions" from the conversation's header, an ordinary message raises none
 * and a mention raises one. The page records each Notification it makes, and the test decides
 * whether the window is in the background (document.hasFocus and visibilityState), since a
 * headless browser has no desktop to lose focus to.
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { browserSuite, communityOfTwo, messageWith, send, seriousViolations } from './helpers';

const suite = browserSuite();

type Shown = { title: string; body: string; tag: string };
const shown = (page: Page) => page.evaluate(() => (window as unknown as { __shown: Shown[] }).__shown);
/** The window goes to the background (or comes back), with the events a browser fires then. */
const background = (page: Page, on: boolean) =>
  page.evaluate((v) => {
    (window as unknown as { __background: boolean }).__background = v;
    document.dispatchEvent(new Event('visibilitychange'));
    window.dispatchEvent(new FocusEvent(v ? 'blur' : 'focus'));
  }, on);

describe('desktop notifications', () => {
  it('17.1: none for the conversation in view, one in the background naming it, and mentions only lets a mention through', async () => {
    const alice = await suite.pages.newPage();
    const bob = await suite.pages.newPage();
    const { channelUrl } = await communityOfTwo(suite, alice, bob, 'Notify club', ['alice', 'bob']);
    await bob.context().grantPermissions(['notifications'], { origin: suite.server.url });
    await bob.addInitScript(() => {
      const w = window as unknown as { __shown: { title: string; body: string; tag: string }[]; __background: boolean };
      w.__shown = [];
      w.__background = false;
      const Real = window.Notification;
      class Recording extends Real {
        constructor(title: string, options?: NotificationOptions) {
          super(title, options);
          w.__shown.push({ title, body: options?.body ?? '', tag: options?.tag ?? '' });
        }
      }
      window.Notification = Recording;
      Document.prototype.hasFocus = () => !w.__background;
      Object.defineProperty(Document.prototype, 'visibilityState', { configurable: true, get: () => (w.__background ? 'hidden' : 'visible') });
    });

    // Nothing is asked until Bob presses the button that explains it.
    await bob.goto(`${suite.server.url}/#/settings/notifications`);
    await bob.reload();
    const turnOn = bob.getByRole('button', { name: 'Turn on desktop notifications' });
    await expect.poll(() => turnOn.count(), { timeout: 20_000 }).toBe(1);
    expect(await seriousViolations(bob)).toEqual([]);
    await turnOn.click();
    await expect.poll(() => bob.getByRole('checkbox', { name: 'Do not disturb' }).count(), { timeout: 20_000 }).toBe(1);
    expect(await seriousViolations(bob)).toEqual([]);

    await alice.goto(channelUrl);
    await bob.goto(channelUrl);
    await expect.poll(() => bob.locator('#composer-input').isEnabled(), { timeout: 20_000 }).toBe(true);
    // In view, in a focused window: no notification.
    await send(alice, 'while you look');
    await expect.poll(() => messageWith(bob, 'while you look').count(), { timeout: 30_000 }).toBe(1);
    // The window goes to the background: the next message is notified, naming the conversation only.
    await background(bob, true);
    await send(alice, 'now in the background');
    await expect.poll(() => shown(bob).then((s) => s.length), { timeout: 30_000 }).toBeGreaterThan(0);
    const first = await shown(bob);
    expect(first).toHaveLength(1);
    expect(first[0]).toMatchObject({ title: '#general · Notify club', body: 'New message' });
    expect(JSON.stringify(first)).not.toContain('background');

    // Only mentions, from the conversation's header: an ordinary message is not notified, a mention is.
    await bob.locator('.pane-head .notify-menu summary').click();
    await bob.getByLabel('Notifications for #general').selectOption('mentions');
    expect(await seriousViolations(bob)).toEqual([]);
    await send(alice, 'an ordinary message');
    await send(alice, '@bob look here');
    await expect.poll(() => shown(bob).then((s) => s.length), { timeout: 30_000 }).toBeGreaterThan(1);
    const after = await shown(bob);
    expect(after).toHaveLength(2);
    expect(after[1]).toMatchObject({ title: '#general · Notify club', body: 'You were mentioned.' });
  }, 180_000);
});

/**
 * A4 in the browser: a page that loses the answer to its refresh (reloaded, closed or offline
 * after the server rotated the token, before the new one was stored) stays signed in on its
 * next load, instead of being signed out with a theft recorded. And loading the chat does not
 * flash the offline banner while its sockets connect (issue 12: it moved the list, CLS 0.05).
 */
import { describe, expect, it } from 'vitest';
import { browserSuite, register, registerAnother } from './helpers';

const suite = browserSuite();

describe('resuming a session', () => {
  it('opening a conversation does not flash "You are offline" while its sockets connect', async () => {
    const page = await suite.pages.newPage();
    await page.goto(suite.server.url);
    await register(page, 'connector'); // the first account: the instance's owner, who may create a community
    await page.getByRole('button', { name: 'Create a community' }).click();
    await page.getByLabel('Community name').fill('Steady');
    await page.getByRole('dialog').getByRole('button', { name: 'Create' }).click();
    await expect.poll(() => page.locator('#composer-input').isEnabled(), { timeout: 20_000 }).toBe(true);
    // From the first byte of the next load, note whether the offline banner is ever drawn.
    await page.addInitScript(() => {
      const w = window as unknown as { offlineBannerSeen: boolean };
      w.offlineBannerSeen = false;
      new MutationObserver(() => document.querySelector('[data-testid="offline-banner"]') && (w.offlineBannerSeen = true)).observe(document, { childList: true, subtree: true });
    });
    await page.reload();
    await expect.poll(() => page.locator('#composer-input').isEnabled(), { timeout: 20_000 }).toBe(true);
    await expect.poll(() => page.evaluate(() => document.querySelector('.conversation') !== null)).toBe(true);
    expect(await page.evaluate(() => (window as unknown as { offlineBannerSeen: boolean }).offlineBannerSeen)).toBe(false);
    // Going offline still says so.
    await page.context().setOffline(true);
    await expect.poll(() => page.getByTestId('offline-banner').count(), { timeout: 20_000 }).toBe(1);
    await page.context().setOffline(false);
    await expect.poll(() => page.getByTestId('offline-banner').count(), { timeout: 30_000 }).toBe(0);
  });

  it('A4: the refresh answer is lost on the way; the next load is still signed in', async () => {
    const page = await suite.pages.newPage();
    await registerAnother(page, suite.server.url, 'resumer');
    const signedIn = page.getByRole('button', { name: 'Sign out' });
    await expect.poll(() => signedIn.isVisible(), { timeout: 20_000 }).toBe(true);

    // The next load's refresh reaches the server (which rotates the token) but its answer never reaches the page.
    let rotated = 0;
    await page.route('**/api/auth/refresh', async (route) => {
      const answer = await route.fetch();
      if (answer.status() === 200) rotated++;
      await route.abort('connectionreset');
    });
    await page.reload();
    await expect.poll(() => rotated, { timeout: 20_000 }).toBe(1);
    await page.unroute('**/api/auth/refresh');

    // Loaded again, it presents the token the server rotated a moment ago, and is let in.
    const refreshes: number[] = [];
    page.on('response', (r) => r.url().endsWith('/api/auth/refresh') && refreshes.push(r.status()));
    await page.reload();
    await expect.poll(() => signedIn.isVisible(), { timeout: 30_000 }).toBe(true);
    expect(refreshes.at(-1)).toBe(200);
    expect(await page.getByLabel('Password', { exact: true }).count()).toBe(0);

    // And it stays signed in on the load after that (the new token was stored).
    await page.reload();
    await expect.poll(() => signedIn.isVisible(), { timeout: 30_000 }).toBe(true);
  });
});

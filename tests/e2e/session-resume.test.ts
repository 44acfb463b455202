/**
 * A4 in the browser: a page that loses the answer to its refresh (reloaded, closed or offline
 * after the server rotated the token, before the new one was stored) stays signed in on its
 * next load, instead of being signed out with a theft recorded.
 */
import { describe, expect, it } from 'vitest';
import { browserSuite, register } from './helpers';

const suite = browserSuite();

describe('resuming a session', () => {
  it('A4: the refresh answer is lost on the way; the next load is still signed in', async () => {
    const page = await suite.pages.newPage();
    await page.goto(suite.server.url);
    await register(page, 'resumer');
    const signedIn = page.getByRole('button', { name: 'Create a community' });
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

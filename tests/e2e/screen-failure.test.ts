/**
 * A screen whose code does not arrive shows why and a Reload button, not a blank page
 * (components/ScreenFailure.tsx). Here the chat screen's chunk is cut off in the browser as the
 * new account signs in; after the connection is back, Reload opens the chat.
 */
import { describe, expect, it } from 'vitest';
import { browserSuite, register } from './helpers';

const suite = browserSuite();
const CHAT_CHUNK = /\/assets\/ChatScreen-[^/]*\.js$/;

describe('screen failure', () => {
  it('the chat screen cut off shows the failure with Reload, and Reload opens it', async () => {
    // Without a service worker: it would serve the chunk from its cache, past the cut.
    const page = await suite.pages.newPage({ serviceWorkers: 'block' });
    let cut = 0;
    await page.route(CHAT_CHUNK, (route) => (cut++, route.abort('failed')));
    await page.goto(suite.server.url);
    await register(page, 'alice', suite.pages.problems);
    const failed = page.getByRole('alert').filter({ hasText: 'Chatalot could not open this screen' });
    await expect.poll(() => failed.count(), { timeout: 20_000 }).toBe(1);
    expect(cut).toBeGreaterThan(0);
    await page.unroute(CHAT_CHUNK);
    await failed.getByRole('button', { name: 'Reload' }).click();
    await expect.poll(() => page.getByRole('button', { name: 'Create a community' }).count(), { timeout: 30_000 }).toBe(1);
    expect(await failed.count()).toBe(0);
    // The cut request and the boundary's own report; nothing uncaught.
    expect(suite.pages.problems.filter((p) => !/net::ERR_FAILED|a screen failed to draw/.test(p))).toEqual([]);
  });
});

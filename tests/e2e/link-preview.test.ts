/**
 * Issue #15 item 6, in the browser: Alice types a link; her instance fetches the page's title and
 * description (shown above her composer, removable) and they travel inside the message's
 * ciphertext; Bob sees the preview while the linked site's request log shows it was asked once,
 * by the server, and never by Bob's browser. The "external" site is a local server on
 * 127.0.0.2, the one address the test instance may preview (tests/hardening/linkPreview.test.ts
 * checks that every other private address is refused). The link's canary is nowhere on disk.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { communityOfTwo, expectNoCanaries, expectNoCanariesInDatabase, messageWith, postgresBrowserSuite, seriousViolations } from './helpers';

// On PostgreSQL: the canary check also searches a dump of the database.
const suite = postgresBrowserSuite({ LINK_PREVIEWS: 'on', CHATALOT_TEST_PREVIEW_HOST: '127.0.0.2' });
let site: Server;
let base: string;
const asked: { path: string; agent: string }[] = [];

beforeAll(async () => {
  site = createServer((req, res) => {
    asked.push({ path: req.url!, agent: req.headers['user-agent'] ?? '' });
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(`<html><head><title>Plain</title><meta property="og:title" content="Pancakes, the recipe"><meta property="og:description" content="Flour, eggs and milk."><meta property="og:site_name" content="Kitchen"></head><body></body></html>`);
  });
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.2', resolve));
  base = `http://127.0.0.2:${(site.address() as AddressInfo).port}`;
});
afterAll(() => site?.close());

describe('link previews in the browser', () => {
  it('15.6: the sender sees and sends a preview; the receiver shows it and never contacts the site; a removed preview is not sent', async () => {
    const canary = `linkcanary${randomBytes(8).toString('hex')}`;
    const alice = await suite.pages.newPage();
    const bob = await suite.pages.newPage();
    const { channelUrl } = await communityOfTwo(suite, alice, bob, 'Links', ['alice', 'bob']);
    await bob.goto(channelUrl);
    const bobAsked: string[] = [];
    bob.on('request', (r) => r.url().startsWith(base) && bobAsked.push(r.url()));

    const box = alice.locator('#composer-input');
    await box.fill(`recipe here ${base}/${canary}/pancakes`);
    const shown = alice.getByTestId('composer-preview');
    await expect.poll(() => shown.textContent(), { timeout: 20_000 }).toMatch(/Pancakes, the recipe/);
    expect(await seriousViolations(alice)).toEqual([]);
    await box.press('Enter');
    const card = messageWith(bob, 'recipe here').getByTestId('link-preview');
    await expect.poll(() => card.textContent(), { timeout: 30_000 }).toMatch(/^Kitchen\s*Pancakes, the recipe\s*Flour, eggs and milk\.$/);
    expect(await card.getByRole('link', { name: 'Pancakes, the recipe' }).getAttribute('rel')).toBe('noopener noreferrer nofollow');
    // The site was asked once, by the server; Bob's browser never asked it.
    expect(asked).toEqual([{ path: `/${canary}/pancakes`, agent: 'ChatalotLinkPreview/1' }]);
    expect(bobAsked).toEqual([]);

    // A preview the sender removes is not sent.
    await box.fill(`another ${base}/second`);
    await expect.poll(() => shown.count(), { timeout: 20_000 }).toBe(1);
    await alice.getByRole('button', { name: 'Remove the link preview' }).click();
    await expect.poll(() => shown.count()).toBe(0);
    await box.press('Enter');
    await expect.poll(() => messageWith(bob, 'another').count(), { timeout: 30_000 }).toBe(1);
    expect(await messageWith(bob, 'another').getByTestId('link-preview').count()).toBe(0);
    expect(suite.pages.problems).toEqual([]);

    await suite.server.kill();
    expectNoCanaries(suite.server.dataDir, [canary]);
    await expectNoCanariesInDatabase(suite.databaseUrl(), [canary]);
  }, 240_000);
});

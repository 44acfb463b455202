/**
 * Issue #19 item 6 in Chromium: Settings → Your data. Bob downloads his account data from the
 * server (JSON: his account, his community, no secret) and the messages his device decrypted, as
 * JSON (Alice's message with her name; edits and deletes are the unit test's) and as a web page in which what people
 * wrote is escaped and no script can run.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { browserSuite, communityOfTwo, messageWith, send, seriousViolations } from './helpers';

const suite = browserSuite();

/** Presses `button` and returns the file the browser downloaded, as text. */
async function download(page: Page, button: string): Promise<{ name: string; text: string }> {
  const [file] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: button }).click()]);
  const path = await file.path();
  return { name: file.suggestedFilename(), text: readFileSync(path!, 'utf8') };
}

describe('your data', () => {
  it('19.6: account data from the server and the device’s decrypted messages as JSON and as an escaped web page', async () => {
    const alice = await suite.pages.newPage();
    const bob = await suite.pages.newPage({ acceptDownloads: true });
    const { channelUrl } = await communityOfTwo(suite, alice, bob, 'Export club', ['alice', 'bob']);
    await alice.goto(channelUrl);
    await bob.goto(channelUrl);
    await send(alice, 'hello <b>world</b> export-canary-1');
    await expect.poll(() => messageWith(bob, 'export-canary-1').count(), { timeout: 30_000 }).toBe(1);

    await bob.goto(`${suite.server.url}/#/settings/data`);
    await expect.poll(() => bob.getByRole('button', { name: 'Download account data' }).count(), { timeout: 20_000 }).toBe(1);
    expect(await seriousViolations(bob)).toEqual([]);

    const account = await download(bob, 'Download account data');
    expect(account.name).toBe('chatalot-account-bob.json');
    const data = JSON.parse(account.text);
    expect(data.account.username).toBe('bob');
    expect(data.communities.map((c: { name: string }) => c.name)).toEqual(['Export club']);
    expect(account.text).not.toContain('export-canary-1'); // the server never had it
    expect(account.text).not.toMatch(/passwordHash|refreshToken/);

    const json = await download(bob, 'Download as JSON');
    expect(json.name).toBe('chatalot-messages-bob.json');
    const messages = JSON.parse(json.text) as { conversations: { title: string; messages: { senderName: string; text: string }[] }[] };
    const general = messages.conversations.find((c) => c.title.startsWith('#general'));
    expect(general?.messages.map((m) => [m.senderName, m.text])).toContainEqual(['alice', 'hello <b>world</b> export-canary-1']);

    const page = await download(bob, 'Download as a web page');
    expect(page.name).toBe('chatalot-messages-bob.html');
    expect(page.text).toContain('hello &lt;b&gt;world&lt;/b&gt; export-canary-1');
    expect(page.text).not.toContain('<b>world</b>');
    expect(page.text).toContain("default-src 'none'");
  });
});

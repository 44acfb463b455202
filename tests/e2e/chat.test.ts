/**
 * The web client end to end in Chromium against the real server (REGISTRATION_MODE=open): two
 * people in two isolated browser contexts register (the first through first-run setup, becoming
 * the owner), one creates a community and an invite link, the other opens the link and joins;
 * they exchange messages in the channel and in a DM, one edits and the other deletes, and each
 * message shows its lock. Then every file the server stored is searched for the canaries typed
 * in the browser — raw, base64 (all three alignments), hex and UTF-16 — and none is found
 * (SECURITY-TESTS V1). Screenshots of the login and chat screens go to docs/screenshots/.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { ROOT } from '../../scripts/build.mjs';
import { startServer, type RunningServer } from '../helpers/server';
import { launchBrowser } from './browser';
import { expectNoCanaries, messageWith, log, Pages, reportOnFailure, register, send, acceptDmRequest } from './helpers';

let server: RunningServer;
let browser: Browser;
let pages: Pages;
reportOnFailure(() => pages);
const problems = () => pages.problems;

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

const newPage = () => pages.newPage();

describe('web client: two people, end to end encrypted', () => {
  it('register, community, invite link, channel and DM messages, edit, delete; no canary on the server (V1); sign-out wipes the device (V4)', async () => {
    const canaries = Array.from({ length: 4 }, (_, i) => `canary${i}x${randomBytes(16).toString('hex')}`);
    const alice = await newPage();
    const bob = await newPage();

    // Alice is first: the instance asks for setup, and her account becomes the owner.
    await alice.goto(server.url);
    await expect.poll(() => alice.getByRole('heading', { level: 1 }).textContent()).toBe('Set up this instance');
    await register(alice, 'alice', problems());
    await expect.poll(() => alice.getByRole('heading', { name: /Welcome/ }).count(), { timeout: 20_000 }).toBe(1);

    await alice.getByRole('button', { name: 'Create a community' }).click();
    await alice.getByLabel('Community name').fill('Book club');
    await alice.getByRole('dialog').getByRole('button', { name: 'Create' }).click();
    await expect.poll(() => alice.getByRole('heading', { name: '#general' }).count()).toBe(1);
    await alice.getByRole('button', { name: 'Invite' }).click();
    await alice.getByRole('button', { name: 'Create invite link' }).click();
    const link = await alice.getByTestId('invite-link').inputValue();
    expect(link).toMatch(new RegExp(`^${server.url}/#/join/[A-Za-z0-9_-]{16}$`));
    await alice.getByRole('dialog').getByRole('button', { name: 'Close' }).click();

    // Bob opens the link signed out: the invite and registration in one screen, then straight into the community.
    await bob.goto(link);
    await expect.poll(() => bob.getByRole('heading', { level: 1 }).textContent()).toBe('Create your account to join');
    await expect.poll(() => bob.getByTestId('invite-preview').textContent()).toMatch(/alice invited you to join.*Book club/);
    await expect.poll(() => bob.getByTestId('health').textContent()).toMatch(/is ok/);
    await bob.screenshot({ path: join(ROOT, 'docs/screenshots/login.png') });
    await register(bob, 'bob', problems());
    await expect.poll(() => bob.getByRole('heading', { name: '#general' }).count(), { timeout: 20_000 }).toBe(1);

    // Channel: both directions, sender keys distributed through the hub inboxes.
    await send(alice, `Hello Bob ${canaries[0]}`);
    await expect.poll(() => messageWith(bob, canaries[0]!).count(), { timeout: 20_000 }).toBe(1);
    expect(await messageWith(bob, canaries[0]!).locator('[data-lock]').getAttribute('data-lock')).toBe('encrypted-unverified');
    await send(bob, `Hi Alice ${canaries[1]}`);
    await expect.poll(() => messageWith(alice, canaries[1]!).count(), { timeout: 20_000 }).toBe(1);
    expect(await messageWith(alice, canaries[1]!).locator('[data-lock]').getAttribute('data-lock')).toBe('encrypted-unverified');

    // Alice edits hers; Bob deletes his.
    await messageWith(alice, canaries[0]!).getByRole('button', { name: 'Edit message' }).click();
    await alice.locator('#composer-input').fill(`Hello Bob, edited ${canaries[2]}`);
    await alice.locator('#composer-input').press('Enter');
    await expect.poll(() => messageWith(bob, canaries[2]!).count(), { timeout: 20_000 }).toBe(1);
    expect(await messageWith(bob, canaries[2]!).textContent()).toContain('(edited)');
    expect(await messageWith(bob, canaries[0]!).count()).toBe(0);
    await messageWith(bob, canaries[1]!).getByRole('button', { name: 'Delete message' }).click();
    await messageWith(bob, canaries[1]!).getByRole('button', { name: 'Confirm delete' }).click();
    await expect.poll(() => messageWith(alice, canaries[1]!).count(), { timeout: 20_000 }).toBe(0);
    expect(await log(alice).getByText('This message was deleted.').count()).toBe(1);
    await send(bob, 'See you on Thursday, I will bring the second volume.');
    await expect.poll(() => messageWith(alice, 'See you on Thursday').count(), { timeout: 20_000 }).toBe(1);
    await expect.poll(() => messageWith(alice, 'See you on Thursday').locator('.sender').textContent()).toBe('bob');
    // Read receipt: Alice has it on screen, so Bob's newest message says she saw it.
    await expect.poll(() => messageWith(bob, 'See you on Thursday').getByTestId('seen-by').textContent(), { timeout: 20_000 }).toBe('Seen by alice');
    await alice.screenshot({ path: join(ROOT, 'docs/screenshots/chat.png') });

    // A DM that Bob starts by username.
    await bob.getByRole('link', { name: 'Direct messages' }).click();
    await bob.getByRole('button', { name: 'New direct message' }).click();
    await bob.getByLabel('Username').fill('alice');
    await bob.getByRole('button', { name: 'Start conversation' }).click();
    await send(bob, `Psst ${canaries[3]}`);
    await alice.getByRole('link', { name: 'Direct messages' }).click();
    await alice.getByRole('complementary').getByRole('link', { name: 'bob' }).click();
    await acceptDmRequest(alice);
    await expect.poll(() => messageWith(alice, canaries[3]!).count(), { timeout: 20_000 }).toBe(1);
    await send(alice, 'Got it, thanks');
    await expect.poll(() => messageWith(bob, 'Got it, thanks').count(), { timeout: 20_000 }).toBe(1);

    // After a reload the history is still readable (decrypted cache) and nothing is duplicated.
    await alice.reload();
    await expect.poll(() => messageWith(alice, canaries[3]!).count(), { timeout: 20_000 }).toBe(1);
    expect(await messageWith(alice, 'Got it, thanks').count()).toBe(1);

    // V4: signing out wipes the device: no IndexedDB database (keys, sessions, decrypted
    // messages, refresh token) and no cache storage remain in that browser profile.
    expect((await bob.evaluate(async () => (await indexedDB.databases()).map((d) => d.name))).length).toBeGreaterThan(0);
    await bob.getByRole('button', { name: 'Sign out' }).click();
    await expect.poll(() => bob.evaluate(async () => (await indexedDB.databases()).map((d) => d.name)), { timeout: 20_000 }).toEqual([]);
    await expect.poll(() => bob.evaluate(async () => ('caches' in self ? await caches.keys() : [])), { timeout: 10_000 }).toEqual([]);
    // The next person to sign in on this browser starts at home, not in Bob's conversation.
    await expect.poll(() => new URL(bob.url()).hash).toMatch(/^(#\/?)?$/);

    expect(problems()).toEqual([]);
    await pages.closeAll();
    await server.kill();

    // V1: nothing the server stored contains a canary in any encoding.
    expectNoCanaries(server.dataDir, canaries);
  }, 180_000);
});

/**
 * The application shell in Chromium against the real server: two people in separate browser
 * contexts (and a third account speaking the channel protocol directly, to send a mention).
 * Unread and mention badges appear on a channel the reader is not viewing, in words for screen
 * readers, and clear when it is opened; a DM started elsewhere appears with its badge; a typing
 * indicator reaches the other person and expires; a group is created and channels in it are
 * reordered, renamed, archived and deleted; the roles editor creates a role and gives it to a
 * member (checked through the API); a group DM starts from several usernames; axe-core finds no
 * WCAG 2 A/AA violation in the shell (desktop, roles dialog, phone drawer); presence goes from
 * online to idle (page hidden), back to online, and to offline when the other person's browser
 * closes; the first Tab reaches a skip link to the composer; at 360×740 nothing scrolls
 * sideways and the navigation drawer opens, closes with Escape and takes you to a channel. Then
 * no canary typed in the browser is found in anything the server stored (SECURITY-TESTS V1).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { ROOT } from '../../scripts/build.mjs';
import { call, openChannel, registerUser } from '../helpers/accounts';
import { startServer, type RunningServer } from '../helpers/server';
import { launchBrowser } from './browser';
import { expectNoCanaries, messageWith, Pages, reportOnFailure, register, send } from './helpers';
import { FRANKING } from '../helpers/franking';

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

/**
 * WCAG 2 A and AA violations axe-core finds in the shell as it is now ("rule: selector"),
 * message list included.
 */
async function axeViolations(page: Page): Promise<string[]> {
  await page.evaluate(readFileSync(join(ROOT, 'node_modules/axe-core/axe.min.js'), 'utf8'));
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(context: object, options: object): Promise<{ violations: { id: string; nodes: { target: string[] }[] }[] }> } }).axe;
    const r = await axe.run(document, { runOnly: ['wcag2a', 'wcag2aa'] });
    return r.violations.flatMap((v) => v.nodes.map((n) => `${v.id}: ${n.target.join(' ')}`));
  });
}

const sidebar = (page: Page) => page.getByRole('complementary');
/** The accessible names of the sidebar's conversation links, e.g. "random, 2 unread, 1 mention". */
const linkNames = (page: Page) => sidebar(page).locator('.channel-list a').evaluateAll((links) => links.map((a) => a.querySelector('.conversation-label')?.textContent ?? null));
const routeIds = (page: Page) => {
  const m = new URL(page.url()).hash.match(/^#\/c\/([^/]+)\/([^/]+)$/);
  if (!m) throw new Error(`not in a community channel: ${page.url()}`);
  return { communityId: m[1]!, channelId: m[2]! };
};

describe('application shell', () => {
  it('badges (channels, rail, DMs), typing, groups and channel management, roles editor, group DM, presence, 360-px drawer; no canary on the server (V1)', async () => {
    const canary = `canary${randomBytes(16).toString('hex')}`;
    const alice = await pages.newPage();
    const bob = await pages.newPage();

    await alice.goto(server.url);
    await register(alice, 'alice', problems());
    await expect.poll(() => alice.getByRole('heading', { name: /Welcome/ }).count(), { timeout: 20_000 }).toBe(1);
    await alice.getByRole('button', { name: 'Create a community' }).click();
    await alice.getByLabel('Community name').fill('Layout club');
    await alice.getByRole('dialog').getByRole('button', { name: 'Create' }).click();
    await expect.poll(() => alice.getByRole('heading', { name: '#general' }).count()).toBe(1);

    // A second channel, from the community menu.
    await alice.getByText('Community menu').click();
    await alice.getByRole('button', { name: 'Create channel' }).click();
    await alice.getByLabel('Channel name').fill('random');
    await alice.getByRole('dialog').getByRole('button', { name: 'Create' }).click();
    await expect.poll(() => alice.getByRole('heading', { name: '#random' }).count()).toBe(1);
    const { communityId, channelId: randomId } = routeIds(alice);

    await alice.getByRole('button', { name: 'Invite' }).click();
    await alice.getByRole('button', { name: 'Create invite link' }).click();
    const link = await alice.getByTestId('invite-link').inputValue();
    const code = await alice.getByTestId('invite-code').inputValue();
    await alice.getByRole('dialog').getByRole('button', { name: 'Close' }).click();

    await bob.goto(link);
    await register(bob, 'bob', problems());
    await expect.poll(() => bob.getByRole('heading', { name: '#general' }).count(), { timeout: 20_000 }).toBe(1);
    await expect.poll(() => linkNames(bob), { timeout: 20_000 }).toEqual(['general', 'random']);

    // Unread: Alice writes in #random while Bob reads #general.
    await send(alice, `In random ${canary}`);
    await expect.poll(() => linkNames(bob), { timeout: 20_000 }).toEqual(['general', 'random, 1 unread']);
    await expect.poll(() => bob.getByRole('navigation', { name: 'Communities' }).getByRole('link', { name: 'Layout club, 1 unread' }).count()).toBe(1);

    // A mention: Carol, a member speaking the channel protocol directly, names Bob in a routing header.
    const carol = await registerUser(server, 'carol');
    expect((await call(server, carol, 'POST', `/api/community-invites/${code}/join`)).status).toBeLessThan(300);
    const members = (await call(server, carol, 'GET', `/api/communities/${communityId}/members`)).body as { members: { userId: string; username: string; roles: string[] }[] };
    const bobId = members.members.find((m) => m.username === 'bob')!.userId;
    const socket = await openChannel(server, carol, randomId);
    socket.send({ type: 'hello', lastSeq: 0 });
    await socket.next((f) => f.type === 'ready');
    socket.send({ type: 'send', franking: FRANKING, clientMsgId: 'carol-mention-1', ciphertext: randomBytes(64).toString('base64'), mentions: { users: [bobId] } });
    await socket.next((f) => f.type === 'ack');
    socket.ws.close();
    await expect.poll(() => linkNames(bob), { timeout: 20_000 }).toEqual(['general', 'random, 2 unread, 1 mention']);
    expect(await bob.locator('.channel-list [data-mentions="1"]').textContent()).toBe('@1');

    // Opening the channel reads it: the badges go, on this device and in the hub.
    await sidebar(bob).getByRole('link', { name: /^random/ }).click();
    await expect.poll(() => messageWith(bob, canary).count(), { timeout: 20_000 }).toBe(1);
    await expect.poll(() => linkNames(bob), { timeout: 20_000 }).toEqual(['general', 'random']);
    await bob.reload();
    await expect.poll(() => messageWith(bob, canary).count(), { timeout: 20_000 }).toBe(1);
    await expect.poll(() => linkNames(bob), { timeout: 20_000 }).toEqual(['general', 'random']);

    // Typing: Bob types in #random, Alice (also there) sees it, and it expires.
    await expect.poll(() => bob.locator('#composer-input').isEnabled(), { timeout: 20_000 }).toBe(true);
    await bob.locator('#composer-input').pressSequentially('Hel');
    await expect.poll(() => alice.locator('.conversation').getAttribute('data-typing'), { timeout: 10_000 }).toBe('bob');
    await expect.poll(() => alice.locator('.conversation').getAttribute('data-typing'), { timeout: 15_000 }).toBe('');
    await bob.locator('#composer-input').fill('');

    // Roles editor: a custom role with one extra permission, given to Bob.
    await alice.getByText('Community menu').click();
    await alice.getByRole('button', { name: 'Roles' }).click();
    const roles = alice.getByRole('dialog', { name: 'Roles' });
    await roles.getByLabel('Role name').fill('Helpers');
    await roles.getByLabel("Delete others' messages").check();
    await roles.getByRole('button', { name: 'Create role' }).click();
    await expect.poll(() => roles.getByRole('listitem').filter({ hasText: 'Helpers' }).count()).toBe(1);
    await roles.getByRole('combobox', { name: /^Member/ }).selectOption({ label: 'bob' });
    await roles.getByRole('combobox', { name: /^Role/ }).selectOption({ label: 'Helpers' });
    await roles.getByRole('button', { name: 'Give role' }).click();
    await expect.poll(() => roles.getByRole('button', { name: 'Take Helpers from bob' }).count()).toBe(1);
    expect(await axeViolations(alice)).toEqual([]);
    await roles.getByRole('button', { name: 'Close' }).click();
    const after = (await call(server, carol, 'GET', `/api/communities/${communityId}/members`)).body as typeof members;
    const rolesList = (await call(server, carol, 'GET', `/api/communities/${communityId}/roles`)).body as { roles: { id: string; name: string; permissions: number }[] };
    const helpers = rolesList.roles.find((r) => r.name === 'Helpers')!;
    expect(helpers.permissions & 32).toBe(32); // MANAGE_MESSAGES
    expect(after.members.find((m) => m.userId === bobId)!.roles).toEqual([helpers.id]);

    // Groups and channel management: a group with two channels, reordered, renamed, archived, deleted.
    const createIn = async (name: string, group: string) => {
      await alice.getByText('Community menu').click();
      await alice.getByRole('button', { name: 'Create channel' }).click();
      await alice.getByLabel('Channel name').fill(name);
      await alice.getByRole('dialog').getByRole('combobox', { name: /^Group/ }).selectOption({ label: group });
      await alice.getByRole('dialog').getByRole('button', { name: 'Create' }).click();
      await expect.poll(() => alice.getByRole('heading', { name: `#${name}` }).count()).toBe(1);
    };
    await alice.getByText('Community menu').click();
    await alice.getByRole('button', { name: 'Create group' }).click();
    await alice.getByLabel('Group name').fill('Projects');
    await alice.getByRole('button', { name: 'Create group' }).click();
    await expect.poll(() => sidebar(alice).getByRole('region', { name: 'Projects' }).count()).toBe(1);
    await createIn('alpha', 'Projects');
    await createIn('beta', 'Projects');
    const projects = sidebar(alice).getByRole('region', { name: 'Projects' });
    await expect.poll(() => projects.locator('.channel-list a').evaluateAll((l) => l.map((a) => a.querySelector('.conversation-label')?.textContent ?? null))).toEqual(['alpha', 'beta']);
    await alice.getByRole('button', { name: 'Channel settings' }).click();
    const settings = alice.getByRole('dialog', { name: /Channel settings/ });
    await settings.getByRole('button', { name: 'Move up' }).click();
    await expect.poll(() => projects.locator('.channel-list a').evaluateAll((l) => l.map((a) => a.querySelector('.conversation-label')?.textContent ?? null))).toEqual(['beta', 'alpha']);
    await settings.getByLabel('Channel name').fill('beta-two');
    await settings.getByRole('button', { name: 'Rename' }).click();
    await expect.poll(() => projects.getByRole('link', { name: 'beta-two' }).count()).toBe(1);
    await settings.getByRole('button', { name: 'Archive channel' }).click();
    await expect.poll(() => sidebar(alice).getByRole('region', { name: 'Archived channels' }).getByRole('link', { name: 'beta-two' }).count()).toBe(1);
    await settings.getByRole('button', { name: 'Delete channel' }).click();
    await settings.getByRole('button', { name: /Confirm: delete channel/ }).click();
    await expect.poll(() => sidebar(alice).getByRole('link', { name: 'beta-two' }).count()).toBe(0);
    await sidebar(alice).getByRole('link', { name: /^random/ }).click();
    await expect.poll(() => alice.getByRole('heading', { name: '#random' }).count()).toBe(1);

    // A DM Carol starts elsewhere shows up on Alice's rail with its unread count, without a reload.
    const aliceId = after.members.find((m) => m.username === 'alice')!.userId;
    const dm = (await call(server, carol, 'POST', '/api/dms', { userIds: [aliceId] })).body as { channel: { id: string } };
    const dmSocket = await openChannel(server, carol, dm.channel.id);
    dmSocket.send({ type: 'hello', lastSeq: 0 });
    await dmSocket.next((f) => f.type === 'ready');
    dmSocket.send({ type: 'send', franking: FRANKING, clientMsgId: 'carol-dm-0001', ciphertext: randomBytes(64).toString('base64') });
    await dmSocket.next((f) => f.type === 'ack');
    dmSocket.ws.close();
    const rail = alice.getByRole('navigation', { name: 'Communities' });
    await expect.poll(() => rail.getByRole('link', { name: 'Direct messages, 1 unread' }).count(), { timeout: 20_000 }).toBe(1);

    // A group DM by usernames.
    await rail.getByRole('link', { name: /^Direct messages/ }).click();
    await expect.poll(() => linkNames(alice)).toEqual(['carol, 1 unread']);
    await alice.getByRole('button', { name: 'New direct message' }).click();
    await alice.getByLabel('Usernames').fill('bob, @carol');
    await alice.getByRole('button', { name: 'Start conversation' }).click();
    await expect.poll(() => alice.getByRole('heading', { name: 'bob, carol' }).count(), { timeout: 10_000 }).toBe(1);
    expect((await linkNames(alice)).sort()).toEqual(['bob, carol', 'carol, 1 unread']);
    await alice.getByRole('button', { name: 'Leave conversation' }).click();
    await alice.getByRole('button', { name: 'Confirm: leave conversation' }).click();
    await expect.poll(() => linkNames(alice)).toEqual(['carol, 1 unread']);
    await rail.getByRole('link', { name: /^Layout club/ }).click();
    await sidebar(alice).getByRole('link', { name: /^random/ }).click();
    await expect.poll(() => alice.getByRole('heading', { name: '#random' }).count()).toBe(1);

    // Member list: Bob with his role, online, linking to his safety number; offline once his browser closes.
    const membersButton = alice.getByRole('button', { name: 'Members' });
    if ((await membersButton.getAttribute('aria-expanded')) !== 'true') await membersButton.click();
    const bobRow = alice.locator(`.member-list li[data-user="${bobId}"]`);
    await expect.poll(() => bobRow.textContent(), { timeout: 10_000 }).toContain('Helpers');
    expect(await bobRow.getByRole('link').getAttribute('href')).toBe(`#/verify/${bobId}`);
    await expect.poll(() => bobRow.getAttribute('data-presence'), { timeout: 20_000 }).toBe('online');
    expect(await bobRow.getByRole('link').textContent()).toContain('online');
    // The owner's actions on Bob sit on their own line under his name, which keeps its width.
    const nameBox = (await bobRow.locator('.member-name').boundingBox())!;
    const kickBox = (await bobRow.getByRole('button', { name: /^Kick/ }).boundingBox())!;
    expect(nameBox.width).toBeGreaterThan(20);
    expect(kickBox.y).toBeGreaterThanOrEqual(nameBox.y + nameBox.height - 1);
    // …each a target of at least 24 px (WCAG 2.5.8).
    for (const action of await bobRow.locator('.member-actions > button').all()) expect((await action.boundingBox())!.height).toBeGreaterThanOrEqual(24);
    // Button pictograms are drawn, not left to an emoji font the system may not have.
    for (const name of ['Search messages', 'Attach files', 'Create a poll', 'Schedule message']) {
      const button = alice.getByRole('button', { name });
      expect(await button.locator('svg').count(), name).toBe(1);
      expect((await button.textContent())!.trim(), name).toBe('');
    }
    expect(await axeViolations(alice)).toEqual([]);
    // A hidden page reports idle, and online again when it is shown.
    const setVisibility = (state: 'hidden' | 'visible') =>
      bob.evaluate((value) => {
        Object.defineProperty(document, 'visibilityState', { value, configurable: true });
        document.dispatchEvent(new Event('visibilitychange'));
      }, state);
    await setVisibility('hidden');
    await expect.poll(() => bobRow.getAttribute('data-presence'), { timeout: 20_000 }).toBe('idle');
    await setVisibility('visible');
    await expect.poll(() => bobRow.getAttribute('data-presence'), { timeout: 20_000 }).toBe('online');
    await bob.context().close();
    await expect.poll(() => bobRow.getAttribute('data-presence'), { timeout: 30_000 }).toBe('offline');

    // Keyboard: on a fresh page the first Tab reaches the skip link, which moves the focus to the composer.
    await alice.reload();
    await expect.poll(() => alice.locator('#composer-input').isEnabled(), { timeout: 20_000 }).toBe(true);
    await alice.keyboard.press('Tab');
    expect(await alice.evaluate(() => document.activeElement?.textContent)).toBe('Skip to message composer');
    await alice.keyboard.press('Enter');
    expect(await alice.evaluate(() => document.activeElement?.id)).toBe('composer-input');

    // A 360-px phone: no sideways scrolling; the drawer opens, closes with Escape, and navigates.
    await alice.setViewportSize({ width: 360, height: 740 });
    const scrollWidth = () => alice.evaluate(() => document.scrollingElement!.scrollWidth);
    await expect.poll(scrollWidth).toBeLessThanOrEqual(360);
    const menu = alice.getByRole('button', { name: 'Open navigation' });
    await expect.poll(async () => (await menu.boundingBox())?.height ?? 0).toBeGreaterThanOrEqual(40);
    await expect.poll(() => alice.getByRole('navigation', { name: 'Communities' }).isVisible()).toBe(false);
    await menu.click();
    await expect.poll(() => alice.getByRole('navigation', { name: 'Communities' }).isVisible()).toBe(true);
    expect(await menu.getAttribute('aria-expanded')).toBe('true');
    expect(await scrollWidth()).toBeLessThanOrEqual(360);
    expect(await axeViolations(alice)).toEqual([]);
    for (const box of await sidebar(alice).getByRole('link').evaluateAll((links) => links.map((a) => a.getBoundingClientRect().height))) expect(box).toBeGreaterThanOrEqual(40);
    await alice.keyboard.press('Escape');
    await expect.poll(() => alice.getByRole('navigation', { name: 'Communities' }).isVisible()).toBe(false);
    await menu.click();
    await sidebar(alice).getByRole('link', { name: /^general/ }).click();
    await expect.poll(() => alice.getByRole('heading', { name: '#general' }).count()).toBe(1);
    await expect.poll(() => alice.getByRole('navigation', { name: 'Communities' }).isVisible()).toBe(false);
    expect(await scrollWidth()).toBeLessThanOrEqual(360);

    expect(problems()).toEqual([]);
    await pages.closeAll();
    await server.kill();
    expectNoCanaries(server.dataDir, [canary]);
  }, 240_000);
});

/**
 * Issue #19 item 7 in Chromium against `npm start`: the owner imports the committed sample
 * Discord export (tests/fixtures/discord: a server template with categories, text and voice
 * channels and roles; a DiscordChatExporter export of #general with 1,000 messages, attachments
 * as links; an emoji image) from the Create-a-community dialog.
 * - Structure: the groups, channels, roles (permissions mapped as docs/permissions.md says) and
 *   the custom emoji exist, read back through the API.
 * - History: sent as encrypted batches (10 envelopes for 1,000 messages), shown under the original
 *   authors' names and times with an "Imported" tag and no message actions; the first and the
 *   last message are there.
 * - Nobody is impersonated: a real member named like an imported author ("bob") is shown without
 *   the tag; the imported "bob" rows keep it.
 * - The server's stored bytes hold neither the history's canary nor an author's name (V1).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Permission as P } from '../../protocol/permissions';
import { ROOT } from '../../scripts/build.mjs';
import { call } from '../helpers/accounts';
import { openChannel } from '../helpers/accounts';
import { browserSuite, expectNoCanaries, log, messageWith, PASSWORD, register, send } from './helpers';

const suite = browserSuite();
const FIXTURE = join(ROOT, 'tests/fixtures/discord');
const CANARY = 'discordcanary7f3a9c2e11b04d58';

describe('import from Discord', () => {
  it('19.7: a template and an emoji make a community; after a member joins, a 1,000-message export goes in encrypted, attributed, readable by both and impersonating nobody', async () => {
    const { server, pages } = suite;
    const file = (name: string, mimeType: string) => ({ name, mimeType, buffer: readFileSync(join(FIXTURE, name)) });
    const alice = await pages.newPage();
    await alice.goto(server.url);
    await register(alice, 'alice', pages.problems);

    // 1. The structure, into a new community.
    await alice.getByRole('button', { name: 'Create a community' }).first().click();
    await alice.getByRole('button', { name: 'Import from Discord…' }).click();
    let dialog = alice.getByTestId('import-discord').filter({ visible: true });
    await dialog.getByLabel('Discord export files').setInputFiles([file('template.json', 'application/json'), file('party_parrot.png', 'image/png')]);
    let plan = dialog.getByTestId('import-plan');
    await expect.poll(() => plan.textContent()).toMatch(/Board game night.*2 groups.*3 channels.*3 roles.*1 custom emoji.*0 messages of history/);
    await plan.getByRole('button', { name: 'Import' }).click();
    await expect.poll(() => alice.getByTestId('import-discord').filter({ visible: true }).count(), { timeout: 60_000 }).toBe(0);
    await expect.poll(() => alice.getByRole('heading', { name: '#general' }).count(), { timeout: 30_000 }).toBe(1);

    const login = await call(server, null, 'POST', '/api/auth/login', { username: 'alice', password: PASSWORD });
    const me = { id: (login.body as { user: { id: string } }).user.id, username: 'alice', accessToken: (login.body as { accessToken: string }).accessToken, refreshToken: '' };
    const list = (await call(server, me, 'GET', '/api/communities')).body as { communities: { id: string; name: string }[] };
    const community = list.communities.find((c) => c.name === 'Board game night')!;
    expect(community).toBeDefined();
    const view = (await call(server, me, 'GET', `/api/communities/${community.id}`)).body as { groups: { id: string; name: string }[]; channels: { id: string; name: string; kind: string; groupId: string | null }[] };
    const groupName = (id: string | null) => view.groups.find((g) => g.id === id)?.name ?? null;
    // The community's own #general became Discord's, in its category; the emptied starting group is gone.
    expect(view.groups.map((g) => g.name).sort()).toEqual(['Text Channels', 'Voice Channels']);
    expect(view.channels.map((c) => [c.name, c.kind, groupName(c.groupId)]).sort()).toEqual([['Table one', 'voice', 'Voice Channels'], ['announcements', 'text', 'Text Channels'], ['general', 'text', 'Text Channels']]);
    const roles = ((await call(server, me, 'GET', `/api/communities/${community.id}/roles`)).body as { roles: { name: string; permissions: number }[] }).roles;
    expect(Object.fromEntries(roles.map((r) => [r.name, r.permissions]))).toEqual({
      Admins: P.ADMINISTRATOR,
      'Game masters': P.MANAGE_CHANNELS | P.MANAGE_ROLES | P.CONNECT | P.SPEAK | P.VIDEO | P.SCREEN_SHARE | P.MUTE_MEMBERS,
      Moderators: P.KICK | P.BAN | P.MANAGE_MESSAGES | P.VIEW | P.SEND | P.REACT | P.TIMEOUT,
    });
    const emoji = ((await call(server, me, 'GET', `/api/communities/${community.id}/emoji`)).body as { emoji: { name: string }[] }).emoji;
    expect(emoji.map((e) => e.name)).toEqual(['party_parrot']);

    // 2. A member joins: "bob", like one of the export's authors.
    await alice.getByRole('button', { name: 'Invite' }).click();
    await alice.getByRole('button', { name: 'Create invite link' }).click();
    const link = await alice.getByTestId('invite-link').inputValue();
    await alice.getByRole('dialog').getByRole('button', { name: 'Close' }).click();
    const bob = await pages.newPage();
    await bob.goto(link);
    await register(bob, 'bob', pages.problems);
    await expect.poll(() => bob.getByRole('heading', { name: '#general' }).count(), { timeout: 30_000 }).toBe(1);

    // 3. The history, from the community menu, into the existing #general.
    await alice.getByText('Community menu').click();
    await alice.getByRole('button', { name: 'Import from Discord…' }).click();
    dialog = alice.getByTestId('import-discord').filter({ visible: true });
    await dialog.getByLabel('Discord export files').setInputFiles([file('general.json', 'application/json')]);
    plan = dialog.getByTestId('import-plan');
    await expect.poll(() => plan.textContent()).toMatch(/Board game night.*1 group.*1 channel.*0 roles.*0 custom emoji.*1,000 messages of history/);
    await expect.poll(() => plan.getByText('#general: 1 messages without text (joins, pins, calls, stickers)').count()).toBe(1);
    await plan.getByRole('button', { name: 'Import' }).click();
    await expect.poll(() => alice.getByTestId('import-discord').filter({ visible: true }).count(), { timeout: 120_000 }).toBe(0);

    // 1,000 messages in 10 envelopes, into the channel that was there (no second #general).
    const after = (await call(server, me, 'GET', `/api/communities/${community.id}`)).body as typeof view;
    expect(after.channels.filter((c) => c.name === 'general')).toHaveLength(1);
    const general = after.channels.find((c) => c.name === 'general')!;
    const socket = await openChannel(server, me, general.id);
    socket.send({ type: 'history', after: 0, limit: 50 });
    const page = await socket.next<{ head: number }>((f) => f.type === 'history');
    expect(page.head).toBe(10);
    socket.ws.close();

    for (const p of [alice, bob]) {
      const last = messageWith(p, CANARY);
      await expect.poll(() => last.count(), { timeout: 30_000 }).toBe(1);
      expect(await last.locator('.sender').textContent()).toBe('Mia');
      expect(await last.getByTestId('imported-tag').count()).toBe(1);
      expect(await last.locator('time').getAttribute('datetime')).toBe(new Date(Date.parse('2024-03-03T19:00:00.000Z') + 999 * 97_000).toISOString());
      expect(await last.getByRole('button', { name: 'Message actions' }).count()).toBe(0);
      // What Discord showed around them: a pin, reactions as counts (the custom emoji drawn from the
      // imported image), and a reply's quote.
      expect(await messageWith(p, 'message 996 from meeple_mia').getByTestId('imported-pin').textContent()).toContain('Pinned on Discord');
      const reacted = messageWith(p, 'message 997 from bob').getByTestId('imported-reactions');
      expect(await reacted.getByRole('img', { name: '👍 3' }).count()).toBe(1);
      expect(await reacted.getByRole('img', { name: ':party_parrot: 1' }).locator('img.custom-emoji').count()).toBe(1);
      expect(await reacted.getByRole('button').count()).toBe(0);
      expect(await messageWith(p, 'message 998 from dice_goblin').getByTestId('imported-reply').textContent()).toBe('In reply to Mia: message 996 from meeple_mia about turn 332');
    }
    // Bob scrolls back to the start: every one of the 1,000 is readable to him.
    const rows = log(bob).locator('li.message');
    const older = log(bob).getByRole('button', { name: 'Show older messages' });
    const first = messageWith(bob, 'message 0 from meeple_mia about turn 0');
    while ((await first.count()) === 0) {
      const shown = await rows.count();
      expect(shown, 'the button stays while older rows are held').toBeLessThan(1000);
      await older.click();
      await expect.poll(() => rows.count()).toBeGreaterThan(shown);
    }
    expect(await rows.count()).toBe(1000);
    expect(await log(bob).locator('[data-lock="waiting-for-key"]').count()).toBe(0);

    // The real bob is himself, without the tag; the imported "bob" keeps it.
    await send(bob, 'hello from the real bob');
    const real = messageWith(alice, 'hello from the real bob');
    await expect.poll(() => real.count(), { timeout: 30_000 }).toBe(1);
    expect(await real.locator('.sender').textContent()).toBe('bob');
    expect(await real.getByTestId('imported-tag').count()).toBe(0);
    expect(await messageWith(alice, 'message 997 from bob').getByTestId('imported-tag').count()).toBe(1);

    expect(pages.problems.filter((p) => !/401|404|409/.test(p))).toEqual([]);
    await pages.closeAll();
    await server.kill();
    expectNoCanaries(server.dataDir, [CANARY, 'meeple_mia', 'Dice Goblin']);
  }, 240_000);
});

/**
 * Issue #19 item 7: reading a Discord server template and DiscordChatExporter exports into an
 * import plan — the committed sample in tests/fixtures/discord — and the imported batch as a
 * message body carries it (and nothing malformed).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Permission as P } from '../../../protocol/permissions';
import { decodeBody, encodeBody, MAX_IMPORTED_REACTIONS, MAX_QUOTE_CHARS } from '../e2ee/MessageBody';
import { batches, channelForHistory, emojiNameOf, mapPermissions, MAX_IMPORT_BATCH_BYTES, MAX_IMPORTED_PER_BODY, planImport } from './discord';

const fixture = (name: string, type: string) => new File([readFileSync(join(__dirname, '../../../tests/fixtures/discord', name))], name, { type });

describe('planImport', () => {
  it('19.7: a server template and a DiscordChatExporter export become groups, channels, roles, emoji and 1,000 messages', async () => {
    const plan = await planImport([fixture('template.json', 'application/json'), fixture('general.json', 'application/json'), fixture('party_parrot.png', 'image/png')]);
    expect(plan.name).toBe('Board game night');
    expect(plan.groups).toEqual(['Text Channels', 'Voice Channels']);
    expect(plan.channels.map((c) => [c.name, c.kind, c.group])).toEqual([
      ['general', 'text', 'Text Channels'],
      ['announcements', 'text', 'Text Channels'],
      ['Table one', 'voice', 'Voice Channels'],
    ]);
    // Highest first, as Discord lists them; @everyone is left to our built-in member role.
    expect(plan.roles.map((r) => r.name)).toEqual(['Admins', 'Game masters', 'Moderators']);
    expect(plan.roles.find((r) => r.name === 'Moderators')!.permissions).toBe(P.KICK | P.BAN | P.MANAGE_MESSAGES | P.VIEW | P.SEND | P.REACT | P.TIMEOUT);
    expect(plan.roles.find((r) => r.name === 'Game masters')!.permissions).toBe(P.MANAGE_CHANNELS | P.MANAGE_ROLES | P.CONNECT | P.SPEAK | P.VIDEO | P.SCREEN_SHARE | P.MUTE_MEMBERS);
    expect(plan.roles.find((r) => r.name === 'Admins')!.permissions).toBe(P.ADMINISTRATOR);
    expect(plan.emoji.map((e) => e.name)).toEqual(['party_parrot']);
    expect(plan.history).toHaveLength(1);
    const h = plan.history[0]!;
    expect(h.messages).toHaveLength(1000);
    expect(channelForHistory(plan, h).name).toBe('general');
    // Nickname when there is one, else the account name; times as sent; attachments as links.
    expect(h.messages[0]).toEqual({ author: 'Mia', at: Date.parse('2024-03-03T19:00:00.000Z'), text: 'message 0 from meeple_mia about turn 0' });
    expect(h.messages[7]!.text).toBe('message 7 from bob about turn 2\n📎 board-7.jpg: https://cdn.discordapp.com/attachments/1213543092837867531/400000000000000007/board-7.jpg');
    expect(h.messages[1]!.author).toBe('bob');
    // A pin, reactions as counts (a custom emoji by its name), and a reply's quote come along.
    expect(h.messages[996]!.pinned).toBe(true);
    expect(h.messages[997]!.reactions).toEqual([
      { emoji: '👍', count: 3 },
      { emoji: ':party_parrot:', count: 1 },
    ]);
    expect(h.messages[998]!.reply).toEqual({ author: 'Mia', text: 'message 996 from meeple_mia about turn 332' });
    expect(h.messages.filter((m) => m.pinned || m.reactions || m.reply)).toHaveLength(3);
    expect(plan.skipped).toEqual(['#general: 1 messages without text (joins, pins, calls, stickers)']);
  });

  it('19.7: history without a structure makes its channel; anything else is left out with a reason, and nothing usable is an error', async () => {
    const plan = await planImport([fixture('general.json', 'application/json'), new File(['not json'], 'notes.txt', { type: 'text/plain' }), new File(['x'], '!.png', { type: 'image/png' })]);
    expect(plan.channels).toEqual([{ discordId: '1213543092837867531', name: 'general', kind: 'text', group: 'Text Channels' }]);
    expect(plan.groups).toEqual(['Text Channels']);
    expect(plan.skipped).toContain('notes.txt: not JSON');
    expect(plan.skipped).toContain('!.png: not a usable emoji name (2–32 letters, digits or underscores)');
    await expect(planImport([new File(['{"a":1}'], 'a.json', { type: 'application/json' })])).rejects.toThrow(/Nothing to import/);
  });

  it('maps permission bitfields above 2^53 exactly, and nonsense to nothing', () => {
    expect(mapPermissions(String(1n << 40n))).toBe(P.TIMEOUT);
    expect(mapPermissions('not a number')).toBe(0);
    expect(emojiNameOf('Party Parrot.gif')).toBe('party_parrot');
    expect(emojiNameOf('x.png')).toBeNull();
  });
});

describe('import batches', () => {
  it('each fits one envelope and keeps every message in order', () => {
    const messages = Array.from({ length: 1000 }, (_, i) => ({ author: `a${i % 7}`, at: 1_700_000_000_000 + i, text: 'w'.repeat(i % 3 === 0 ? 3000 : 40) }));
    const parts = batches(messages);
    expect(parts.flat()).toEqual(messages);
    for (const b of parts) {
      expect(b.length).toBeLessThanOrEqual(MAX_IMPORTED_PER_BODY);
      expect(encodeBody({ v: 1, imported: { source: 'discord', messages: b } }).length).toBeLessThan(MAX_IMPORT_BATCH_BYTES + 100);
    }
  });

  it('a body carries a batch as sent; a malformed batch is dropped whole', () => {
    const batch = [
      { author: 'Mia', at: 1_709_492_400_000, text: 'hi' },
      { author: 'bob', at: 1_709_492_500_000, text: 'yes', reactions: [{ emoji: '👍', count: 3 }], pinned: true as const, reply: { author: 'Mia', text: 'hi' } },
    ];
    expect(decodeBody(encodeBody({ v: 1, imported: { source: 'discord', messages: batch } }))?.imported).toEqual({ source: 'discord', messages: batch });
    const bad = (imported: unknown) => decodeBody(new TextEncoder().encode(JSON.stringify({ v: 1, imported })))?.imported;
    expect(bad({ source: 'slack', messages: batch })).toBeUndefined();
    expect(bad({ source: 'discord', messages: [{ author: 'x', at: 'yesterday', text: 'hi' }] })).toBeUndefined();
    expect(bad({ source: 'discord', messages: [] })).toBeUndefined();
    expect(bad({ source: 'discord', messages: Array.from({ length: 201 }, () => batch[0]) })).toBeUndefined();
    expect(bad({ source: 'discord', messages: [{ ...batch[0], reactions: [{ emoji: '👍', count: 0 }] }] })).toBeUndefined();
    expect(bad({ source: 'discord', messages: [{ ...batch[0], reactions: [{ emoji: 'x'.repeat(41), count: 1 }] }] })).toBeUndefined();
    expect(bad({ source: 'discord', messages: [{ ...batch[0], pinned: 'yes' }] })).toBeUndefined();
    expect(bad({ source: 'discord', messages: [{ ...batch[0], reply: { author: 'Mia' } }] })).toBeUndefined();
    // Bounded as read: at most MAX_IMPORTED_REACTIONS reactions, a quote cut to MAX_QUOTE_CHARS.
    const long = decodeBody(encodeBody({ v: 1, imported: { source: 'discord', messages: [{ ...batch[0]!, reactions: Array.from({ length: 30 }, () => ({ emoji: '👍', count: 1 })), reply: { author: 'Mia', text: 'q'.repeat(500) } }] } }))?.imported?.messages[0];
    expect(long?.reactions).toHaveLength(MAX_IMPORTED_REACTIONS);
    expect(long?.reply?.text).toHaveLength(MAX_QUOTE_CHARS);
  });
});

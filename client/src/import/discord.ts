/**
 * Moving in from Discord (issue #19 item 7): reading what an owner exports there, in their own
 * browser, into a plan for a new community. Nothing here talks to a server.
 *
 * Structure comes from a server template (Discord's "Server Template" JSON, or the template's
 * `serialized_source_guild`) or a guild object with `roles` and `channels`, as Discord's API
 * returns them. Categories (type 4) become groups; text, announcement and forum channels become
 * text channels, voice and stage channels voice channels, each in its category's group; roles
 * become custom roles with their permissions mapped (DISCORD_PERMISSION_MAP; @everyone, managed
 * roles and bits we have no counterpart for are left out, and the plan says which). Channel
 * permission overwrites are not carried over.
 *
 * History comes from DiscordChatExporter's JSON export, one file per channel. Messages are
 * carried in batches (`ImportedMessage[]` in one message body), sealed with the channel's sender
 * key like any message: the server sees ciphertext from the importing owner and nothing of the
 * authors, texts or times. Each keeps its author's name and time, shown as imported, never as a
 * member of this instance, with its reactions (as counts), whether it was pinned, and for a reply
 * a short quote of the message it answered. Attachments stay links to where Discord keeps them.
 *
 * Custom emoji come from image files the owner selects with the export, named after the emoji
 * (e.g. `party_parrot.gif`); Discord's exports hold no emoji images.
 */
import { Permission } from '../../../protocol/permissions';
import { pack } from '../../../protocol/pack';
import { MAX_IMPORTED_REACTIONS, MAX_QUOTE_CHARS, type ImportedMessage } from '../e2ee/MessageBody';

export type { ImportedMessage };


/** Most imported messages one envelope carries. */
export const MAX_IMPORTED_PER_BODY = 100;
/** Plaintext bytes a batch stays under (the envelope takes 64 KiB of ciphertext; sealing and base64 add about a third). */
export const MAX_IMPORT_BATCH_BYTES = 40_000;
/** An imported author's name is cut to this many characters. */
export const MAX_IMPORTED_AUTHOR_CHARS = 100;
/** An imported message's text is cut to this many characters (Discord's own limit is 4,000). */
export const MAX_IMPORTED_TEXT_CHARS = 8_000;

/** Discord permission bit → ours (https://discord.com/developers/docs/topics/permissions). */
export const DISCORD_PERMISSION_MAP: readonly { discord: string; bit: bigint; ours: number }[] = [
  { discord: 'CREATE_INSTANT_INVITE', bit: 1n << 0n, ours: Permission.MANAGE_INVITES },
  { discord: 'KICK_MEMBERS', bit: 1n << 1n, ours: Permission.KICK },
  { discord: 'BAN_MEMBERS', bit: 1n << 2n, ours: Permission.BAN },
  { discord: 'ADMINISTRATOR', bit: 1n << 3n, ours: Permission.ADMINISTRATOR },
  { discord: 'MANAGE_CHANNELS', bit: 1n << 4n, ours: Permission.MANAGE_CHANNELS },
  { discord: 'ADD_REACTIONS', bit: 1n << 6n, ours: Permission.REACT },
  { discord: 'STREAM', bit: 1n << 9n, ours: Permission.VIDEO | Permission.SCREEN_SHARE },
  { discord: 'VIEW_CHANNEL', bit: 1n << 10n, ours: Permission.VIEW },
  { discord: 'SEND_MESSAGES', bit: 1n << 11n, ours: Permission.SEND },
  { discord: 'MANAGE_MESSAGES', bit: 1n << 13n, ours: Permission.MANAGE_MESSAGES },
  { discord: 'ATTACH_FILES', bit: 1n << 15n, ours: Permission.ATTACH },
  { discord: 'MENTION_EVERYONE', bit: 1n << 17n, ours: Permission.MENTION_EVERYONE },
  { discord: 'CONNECT', bit: 1n << 20n, ours: Permission.CONNECT },
  { discord: 'SPEAK', bit: 1n << 21n, ours: Permission.SPEAK },
  { discord: 'MUTE_MEMBERS', bit: 1n << 22n, ours: Permission.MUTE_MEMBERS },
  { discord: 'MANAGE_ROLES', bit: 1n << 28n, ours: Permission.MANAGE_ROLES },
  { discord: 'MANAGE_WEBHOOKS', bit: 1n << 29n, ours: Permission.MANAGE_WEBHOOKS },
  { discord: 'MANAGE_GUILD_EXPRESSIONS', bit: 1n << 30n, ours: Permission.MANAGE_EMOJI },
  { discord: 'MODERATE_MEMBERS', bit: 1n << 40n, ours: Permission.TIMEOUT },
];

/** Our permission bits for a Discord permission bitfield (a decimal string, as Discord sends it). */
export function mapPermissions(discord: string | number): number {
  let bits: bigint;
  try {
    bits = BigInt(discord);
  } catch {
    return 0;
  }
  return DISCORD_PERMISSION_MAP.reduce((ours, m) => ((bits & m.bit) !== 0n ? ours | m.ours : ours), 0);
}

export interface PlannedChannel {
  /** Discord's id, to match history exports made from the same server. */
  discordId: string | null;
  name: string;
  kind: 'text' | 'voice';
  /** The category it sits in (a group here), by name; null: the community's first group. */
  group: string | null;
}

export interface PlannedHistory {
  /** The channel it goes into, by Discord id (when the export and the structure share it) and name. */
  discordChannelId: string | null;
  channel: string;
  group: string | null;
  messages: ImportedMessage[];
}

export interface ImportPlan {
  name: string;
  groups: string[];
  channels: PlannedChannel[];
  roles: { name: string; permissions: number; discordPermissions: string }[];
  emoji: { name: string; file: Blob }[];
  history: PlannedHistory[];
  /** What was left out, and why: shown before the import runs. */
  skipped: string[];
}

/** A name within our limits: trimmed, at most 100 characters, never empty. */
const nameOf = (x: unknown, fallback: string) => (typeof x === 'string' && x.trim() ? x.trim().slice(0, 100) : fallback);
const asArray = (x: unknown): Record<string, unknown>[] => (Array.isArray(x) ? x.filter((e): e is Record<string, unknown> => typeof e === 'object' && e !== null) : []);

/** Reads a Discord structure (template or guild object); null when `json` is not one. */
function structureOf(json: Record<string, unknown>): { name: string; roles: Record<string, unknown>[]; channels: Record<string, unknown>[] } | null {
  const source = (typeof json.serialized_source_guild === 'object' && json.serialized_source_guild !== null ? json.serialized_source_guild : json) as Record<string, unknown>;
  if (!Array.isArray(source.channels) || !Array.isArray(source.roles)) return null;
  return { name: nameOf(source.name ?? json.name, 'Imported from Discord'), roles: asArray(source.roles), channels: asArray(source.channels) };
}

const TEXT_TYPES = new Set([0, 5, 15]);
const VOICE_TYPES = new Set([2, 13]);
const CATEGORY = 4;

/** Reads one DiscordChatExporter JSON export; null when `json` is not one. */
function historyOf(json: Record<string, unknown>, skipped: string[]): PlannedHistory | null {
  const channel = json.channel as Record<string, unknown> | undefined;
  if (!channel || typeof channel !== 'object' || !Array.isArray(json.messages)) return null;
  const messages: ImportedMessage[] = [];
  let dropped = 0;
  // What a reply quotes: the answered message's author and text, when it is in this export.
  const byId = new Map<string, { author: string; text: string }>();
  for (const m of asArray(json.messages)) {
    if (typeof m.id !== 'string' || typeof m.content !== 'string') continue;
    const author = m.author as Record<string, unknown> | undefined;
    byId.set(m.id, { author: (author ? nameOf(author.nickname, nameOf(author.name, 'unknown')) : 'unknown').slice(0, MAX_IMPORTED_AUTHOR_CHARS), text: m.content.slice(0, MAX_QUOTE_CHARS) });
  }
  for (const m of asArray(json.messages)) {
    const author = m.author as Record<string, unknown> | undefined;
    const at = typeof m.timestamp === 'string' ? Date.parse(m.timestamp) : NaN;
    // Joins, pins, boosts and the like carry no text of their own.
    if (m.type !== undefined && m.type !== 'Default' && m.type !== 'Reply') {
      dropped++;
      continue;
    }
    const links = asArray(m.attachments)
      .map((a) => (typeof a.url === 'string' ? `📎 ${nameOf(a.fileName, 'attachment')}: ${a.url}` : null))
      .filter((l): l is string => l !== null);
    const text = [typeof m.content === 'string' ? m.content : '', ...links].filter((s) => s.length > 0).join('\n');
    if (!Number.isFinite(at) || text.length === 0) {
      dropped++;
      continue;
    }
    const name = author ? nameOf(author.nickname, nameOf(author.name, 'unknown')) : 'unknown';
    const item: ImportedMessage = { author: name.slice(0, MAX_IMPORTED_AUTHOR_CHARS), at, text: text.slice(0, MAX_IMPORTED_TEXT_CHARS) };
    const reactions = reactionsOf(m.reactions);
    if (reactions.length > 0) item.reactions = reactions;
    if (m.isPinned === true) item.pinned = true;
    const answered = (m.reference as Record<string, unknown> | undefined)?.messageId;
    const quoted = typeof answered === 'string' ? byId.get(answered) : undefined;
    if (quoted) item.reply = quoted;
    messages.push(item);
  }
  messages.sort((a, b) => a.at - b.at);
  const channelName = nameOf(channel.name, 'imported');
  if (dropped > 0) skipped.push(`#${channelName}: ${dropped} messages without text (joins, pins, calls, stickers)`);
  return { discordChannelId: typeof channel.id === 'string' ? channel.id : null, channel: channelName, group: typeof channel.category === 'string' && channel.category ? nameOf(channel.category, 'Imported') : null, messages };
}

/**
 * A message's reactions as counts: a Unicode emoji as itself, a custom one as `:name:` (drawn when
 * the community has an emoji of that name, from the images imported with the export).
 */
function reactionsOf(x: unknown): { emoji: string; count: number }[] {
  const out: { emoji: string; count: number }[] = [];
  for (const r of asArray(x)) {
    const emoji = r.emoji as Record<string, unknown> | undefined;
    const count = r.count;
    if (!emoji || typeof emoji.name !== 'string' || typeof count !== 'number' || !Number.isSafeInteger(count) || count < 1) continue;
    const custom = typeof emoji.id === 'string' && emoji.id !== '' ? emojiNameOf(emoji.name) : null;
    const shown = custom ? `:${custom}:` : emoji.name;
    if (shown.length === 0 || shown.length > 40) continue;
    out.push({ emoji: shown, count });
    if (out.length === MAX_IMPORTED_REACTIONS) break;
  }
  return out;
}

/** The emoji name a file stands for (its name without the extension), or null when it cannot be one. */
export function emojiNameOf(fileName: string): string | null {
  const stem = fileName.replace(/\.[^.]+$/, '').toLowerCase().replace(/[^a-z0-9_]/g, '_').slice(0, 32);
  return /^[a-z0-9_]{2,32}$/.test(stem) ? stem : null;
}

/**
 * The plan for what the owner selected: JSON files (a structure, history exports) and image files
 * (custom emoji). Throws with a readable message when nothing usable was found.
 */
export async function planImport(files: File[]): Promise<ImportPlan> {
  const plan: ImportPlan = { name: 'Imported from Discord', groups: [], channels: [], roles: [], emoji: [], history: [], skipped: [] };
  let structured = false;
  for (const file of files) {
    if (/^image\/(png|gif|webp|jpeg)$/.test(file.type)) {
      const name = emojiNameOf(file.name);
      if (name) plan.emoji.push({ name, file });
      else plan.skipped.push(`${file.name}: not a usable emoji name (2–32 letters, digits or underscores)`);
      continue;
    }
    let json: unknown;
    try {
      json = JSON.parse(await file.text());
    } catch {
      plan.skipped.push(`${file.name}: not JSON`);
      continue;
    }
    if (typeof json !== 'object' || json === null) {
      plan.skipped.push(`${file.name}: not a Discord export`);
      continue;
    }
    const history = historyOf(json as Record<string, unknown>, plan.skipped);
    if (history) {
      plan.history.push(history);
      continue;
    }
    const structure = structureOf(json as Record<string, unknown>);
    if (!structure) {
      plan.skipped.push(`${file.name}: neither a server template nor a DiscordChatExporter export`);
      continue;
    }
    if (structured) {
      plan.skipped.push(`${file.name}: a second server structure (only the first is used)`);
      continue;
    }
    structured = true;
    plan.name = structure.name;
    const categories = new Map<string, string>();
    const byPosition = (a: Record<string, unknown>, b: Record<string, unknown>) => Number(a.position ?? 0) - Number(b.position ?? 0);
    for (const c of structure.channels.filter((c) => c.type === CATEGORY).sort(byPosition)) {
      const name = nameOf(c.name, 'Group');
      categories.set(String(c.id), name);
      if (!plan.groups.includes(name)) plan.groups.push(name);
    }
    // Ungrouped channels first, then each category's, in Discord's order.
    const categoryPosition = new Map(structure.channels.filter((c) => c.type === CATEGORY).map((c) => [String(c.id), Number(c.position ?? 0)]));
    const rank = (c: Record<string, unknown>) => (c.parent_id === undefined || c.parent_id === null ? -1 : (categoryPosition.get(String(c.parent_id)) ?? -1));
    for (const c of structure.channels.filter((c) => c.type !== CATEGORY).sort((a, b) => rank(a) - rank(b) || byPosition(a, b))) {
      const kind = TEXT_TYPES.has(Number(c.type)) ? 'text' : VOICE_TYPES.has(Number(c.type)) ? 'voice' : null;
      if (!kind) {
        plan.skipped.push(`#${nameOf(c.name, '?')}: a channel type we do not have (${String(c.type)})`);
        continue;
      }
      plan.channels.push({ discordId: c.id === undefined || c.id === null ? null : String(c.id), name: nameOf(c.name, 'channel'), kind, group: c.parent_id === undefined || c.parent_id === null ? null : (categories.get(String(c.parent_id)) ?? null) });
    }
    for (const r of structure.roles.sort(byPosition).reverse()) {
      const name = nameOf(r.name, 'Role');
      if (name === '@everyone') continue;
      if (r.managed === true) {
        plan.skipped.push(`role ${name}: managed by a Discord integration`);
        continue;
      }
      const discordPermissions = typeof r.permissions === 'string' || typeof r.permissions === 'number' ? String(r.permissions) : '0';
      plan.roles.push({ name, permissions: mapPermissions(discordPermissions), discordPermissions });
    }
  }
  // History for channels the structure does not name (or with no structure at all): make them.
  for (const h of plan.history) {
    if (plan.channels.some((c) => historyGoesInto(h, c))) continue;
    if (h.group && !plan.groups.includes(h.group)) plan.groups.push(h.group);
    plan.channels.push({ discordId: h.discordChannelId, name: h.channel, kind: 'text', group: h.group });
  }
  if (!structured && plan.history.length === 0) throw new Error('Nothing to import: choose a Discord server template or guild JSON, and DiscordChatExporter JSON exports.');
  return plan;
}

/** The planned channel a history export goes into. */
export function channelForHistory(plan: ImportPlan, h: PlannedHistory): PlannedChannel {
  return plan.channels.find((c) => historyGoesInto(h, c))!;
}

/** A history export goes into the channel with its Discord id, else the text channel of its name (and category). */
function historyGoesInto(h: PlannedHistory, c: PlannedChannel): boolean {
  return (h.discordChannelId !== null && c.discordId === h.discordChannelId) || (c.name === h.channel && c.kind === 'text' && (h.group === null || c.group === h.group));
}

/** Splits history into batches that each fit one message body. */
export function batches(messages: ImportedMessage[]): ImportedMessage[][] {
  const encoder = new TextEncoder();
  return pack(messages, MAX_IMPORTED_PER_BODY, MAX_IMPORT_BATCH_BYTES, (m) => encoder.encode(JSON.stringify(m)).length + 1);
}

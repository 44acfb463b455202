/**
 * Desktop notification settings (issue #17 item 1), per device: whether they are on, do not
 * disturb, the level (every message, mentions only, nothing) for every conversation by default,
 * per community and per conversation, conversations muted until a time, and the sound. Kept in
 * localStorage like the appearance preferences: nothing here is secret. With Web Push on (item 2,
 * notifications/push.ts), the levels, mutes and do-not-disturb also go to the server with this
 * device's push subscription, because the app is closed when a push is due; protocol/push.ts
 * decides for both, so a push and a desktop notification follow the same rules.
 */
import { createSignal } from 'solid-js';
import { LEVELS, levelAllows, levelOf, type Level, type PushPrefs } from '../../../protocol/push';

export { LEVELS, levelOf, type Level };
export const SOUNDS = ['chime', 'pop', 'bell', 'none'] as const;
export type Sound = (typeof SOUNDS)[number];

export interface NotificationPrefs {
  /** The person turned desktop notifications on here (and the browser allowed them). */
  enabled: boolean;
  /** Do not disturb: nothing is shown or played until it is turned off. */
  dnd: boolean;
  /** The level of any conversation nothing more specific sets. */
  defaultLevel: Level;
  /** Per community, for its channels. */
  communities: Record<string, Level>;
  /** Per conversation (a channel or DM), above its community's. */
  conversations: Record<string, Level>;
  /** Conversations muted until a time (ms since the epoch). */
  mutedUntil: Record<string, number>;
  sound: Sound;
  /** 0–100. */
  volume: number;
  /** Web Push when the app is closed (item 2), on this device. */
  push: boolean;
  /** Whether a push notification shows who wrote and what (decrypted here), or only which conversation has news. */
  pushText: boolean;
}

const KEY = 'chatalot.notifications';
export const DEFAULT_NOTIFICATION_PREFS: NotificationPrefs = { enabled: false, dnd: false, defaultLevel: 'all', communities: {}, conversations: {}, mutedUntil: {}, sound: 'chime', volume: 60, push: false, pushText: true };

const isLevel = (x: unknown): x is Level => (LEVELS as readonly unknown[]).includes(x);
const levels = (x: unknown): Record<string, Level> => Object.fromEntries(Object.entries(typeof x === 'object' && x ? x : {}).filter(([, v]) => isLevel(v))) as Record<string, Level>;

function load(): NotificationPrefs {
  try {
    const s = JSON.parse(localStorage.getItem(KEY) ?? '{}') as Partial<NotificationPrefs>;
    return {
      enabled: s.enabled === true,
      dnd: s.dnd === true,
      defaultLevel: isLevel(s.defaultLevel) ? s.defaultLevel : DEFAULT_NOTIFICATION_PREFS.defaultLevel,
      communities: levels(s.communities),
      conversations: levels(s.conversations),
      mutedUntil: Object.fromEntries(Object.entries(s.mutedUntil ?? {}).filter(([, v]) => typeof v === 'number' && v > Date.now())),
      sound: (SOUNDS as readonly unknown[]).includes(s.sound) ? (s.sound as Sound) : DEFAULT_NOTIFICATION_PREFS.sound,
      volume: typeof s.volume === 'number' && s.volume >= 0 && s.volume <= 100 ? s.volume : DEFAULT_NOTIFICATION_PREFS.volume,
      push: s.push === true,
      pushText: s.pushText !== false,
    };
  } catch {
    return { ...DEFAULT_NOTIFICATION_PREFS };
  }
}

const [prefs, setPrefsSignal] = createSignal<NotificationPrefs>(load());
export const notificationPrefs = prefs;

const listeners = new Set<(p: NotificationPrefs) => void>();
/** Calls `fn` after every change (push/ sends the new levels with the subscription); returns an unsubscribe. */
export function onNotificationPrefs(fn: (p: NotificationPrefs) => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

export function updateNotificationPrefs(change: (p: NotificationPrefs) => NotificationPrefs): void {
  const next = change(prefs());
  localStorage.setItem(KEY, JSON.stringify(next));
  setPrefsSignal(next);
  for (const fn of listeners) fn(next);
}

/** What the server needs of the preferences to decide on a push (protocol/push.ts). */
export function pushPrefsOf(p: NotificationPrefs, now = Date.now()): PushPrefs {
  return { dnd: p.dnd, defaultLevel: p.defaultLevel, communities: p.communities, conversations: p.conversations, mutedUntil: Object.fromEntries(Object.entries(p.mutedUntil).filter(([, until]) => until > now)) };
}

/** A conversation's own level (null: it follows its community or the default). */
export function setConversationLevel(channelId: string, level: Level | null): void {
  updateNotificationPrefs((p) => {
    const conversations = { ...p.conversations };
    if (level === null) delete conversations[channelId];
    else conversations[channelId] = level;
    return { ...p, conversations };
  });
}

export function setCommunityLevel(communityId: string, level: Level | null): void {
  updateNotificationPrefs((p) => {
    const communities = { ...p.communities };
    if (level === null) delete communities[communityId];
    else communities[communityId] = level;
    return { ...p, communities };
  });
}

/** Mutes a conversation for `ms` (null: unmute). */
export function muteConversation(channelId: string, ms: number | null, now = Date.now()): void {
  updateNotificationPrefs((p) => {
    const mutedUntil = { ...p.mutedUntil };
    if (ms === null) delete mutedUntil[channelId];
    else mutedUntil[channelId] = now + ms;
    return { ...p, mutedUntil };
  });
}

/**
 * Whether a new message in a conversation should be shown: notifications on, no do-not-disturb,
 * not muted, and the level lets it through (a mention passes "mentions only").
 */
export function shouldNotify(p: NotificationPrefs, channelId: string, communityId: string | null, mention: boolean, now: number): boolean {
  return p.enabled && levelAllows(p, channelId, communityId, mention, now);
}

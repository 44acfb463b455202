/**
 * Web Push (issue #17 item 2): what a device sends to subscribe, the preferences the user hub
 * applies before it pushes, and what a push carries.
 *
 * A push never carries content. Its payload, encrypted to the device by RFC 8291, holds only the
 * conversation's id, the newest seq and whether it mentions the user; the service worker fetches
 * the envelopes itself and decrypts them on the device (client/src/pwa/pushPreview.ts). The
 * preferences are the device's desktop-notification settings (client/src/notifications/prefs.ts):
 * the same levels decide both, here on the server because the app is closed when a push is due.
 */
import * as v from 'valibot';

export const LEVELS = ['all', 'mentions', 'none'] as const;
export type Level = (typeof LEVELS)[number];

/** Most per-conversation or per-community entries a device's push preferences may hold. */
export const MAX_PUSH_PREF_ENTRIES = 2_000;
/** Longest push endpoint URL accepted (real ones are 150–500 characters). */
export const MAX_ENDPOINT_LENGTH = 1_024;
/** Largest body of PUT /api/push/subscriptions/{deviceId}. */
export const MAX_PUSH_SUBSCRIPTION_BYTES = 256 * 1024;
/** At most one push per conversation per device within this window; later messages in it are folded into one push at its end. */
export const PUSH_COALESCE_MS = 5_000;
/** How long a push service keeps an undelivered push (seconds): a day, then the badge on next open says the rest. */
export const PUSH_TTL_SECONDS = 24 * 60 * 60;

const Id = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{1,64}$/, 'ids are 1–64 characters of [A-Za-z0-9_-]'));
const LevelSchema = v.picklist(LEVELS);
const b64url = (what: string, bytes: number) => v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]+$/, `${what} must be base64url`), v.length(Math.ceil((bytes * 4) / 3), `${what} must be ${bytes} bytes as base64url without padding`));
const entries = <T extends v.GenericSchema>(value: T, what: string) =>
  v.pipe(
    v.record(Id, value),
    v.check((r) => Object.keys(r).length <= MAX_PUSH_PREF_ENTRIES, `${what}: at most ${MAX_PUSH_PREF_ENTRIES} entries`),
  );

export const PushPrefs = v.strictObject({
  dnd: v.boolean(),
  defaultLevel: LevelSchema,
  communities: entries(LevelSchema, 'communities'),
  conversations: entries(LevelSchema, 'conversations'),
  mutedUntil: entries(v.pipe(v.number(), v.integer(), v.minValue(0)), 'mutedUntil'),
});
export type PushPrefs = v.InferOutput<typeof PushPrefs>;

export const PutPushSubscriptionRequest = v.strictObject({
  /** PushSubscription.endpoint: an https URL of the browser's push service. */
  endpoint: v.pipe(v.string(), v.maxLength(MAX_ENDPOINT_LENGTH, `endpoint: at most ${MAX_ENDPOINT_LENGTH} characters`), v.url('endpoint must be a URL')),
  keys: v.strictObject({
    /** The subscription's P-256 public key, uncompressed (65 bytes). */
    p256dh: b64url('keys.p256dh', 65),
    /** The subscription's authentication secret (16 bytes). */
    auth: b64url('keys.auth', 16),
  }),
  prefs: PushPrefs,
});
export type PutPushSubscriptionRequest = v.InferOutput<typeof PutPushSubscriptionRequest>;

/** What GET /api/push/subscriptions shows of one: the push service's origin, never the endpoint (a bearer capability). */
export interface PushSubscriptionView {
  deviceId: string;
  service: string;
  createdAt: number;
}

/** The decrypted payload of every push: routing metadata only. */
export interface PushPayload {
  v: 1;
  channelId: string;
  seq: number;
  mention: boolean;
}

/** The level in effect for a conversation: its own, else its community's, else the default. */
export function levelOf(p: Pick<PushPrefs, 'defaultLevel' | 'communities' | 'conversations'>, channelId: string, communityId: string | null): Level {
  return p.conversations[channelId] ?? (communityId ? p.communities[communityId] : undefined) ?? p.defaultLevel;
}

/** Whether a new message may be notified: no do-not-disturb, not muted, and the level lets it through (a mention passes "mentions only"). */
export function levelAllows(p: PushPrefs, channelId: string, communityId: string | null, mention: boolean, now: number): boolean {
  if (p.dnd) return false;
  if ((p.mutedUntil[channelId] ?? 0) > now) return false;
  const level = levelOf(p, channelId, communityId);
  return level === 'all' || (level === 'mentions' && mention);
}

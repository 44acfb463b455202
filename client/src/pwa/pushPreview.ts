/**
 * What the service worker shows for a Web Push (issue #17 item 2), decrypted on the device.
 *
 * The push says only which conversation moved, its newest seq and whether it mentions the user
 * (protocol/push.ts). Here the worker opens the device's database, exchanges the stored refresh
 * token for an access token (under the same lock the pages use), asks the conversation's room for
 * its newest envelopes over a short-lived socket, and opens the newest message with the sender key
 * already on the device: "Alice in #general: the text". Anything it cannot do — no session, a key
 * that has not arrived, a network error — gives "New message" and nothing more.
 *
 * It never changes the device's key state: the sender-key record it advances is a copy, thrown
 * away afterwards, so the app, when it opens the conversation, decrypts the same envelopes as if
 * no push had come (and no two writers ever race on a chain). The conversation titles and people's
 * names come from a small directory the app keeps in the same database (stores/pushDirectory.ts).
 */
import { PREVIEW_DEADLINE_MS } from './pushDeadline';
import { hideSpoilers } from '../components/messages/spoilers';
import type { PushPayload } from '../../../protocol/push';
import type { EnvelopeOut } from '../../../protocol/frames';
import { SUBPROTOCOL } from '../../../protocol/subprotocol';
import { configureAuth, freshAccessToken } from '../api/http';
import { decodeIdentityPublic, isCryptoError, selectProvider, senderKeyDecrypt } from '../crypto';
import { unwrapChannelEnvelope } from '../e2ee/ChannelEnvelope';
import { decodeBody, type MessageBody } from '../e2ee/MessageBody';
import { readWebhookPost } from '../e2ee/webhookPost';
import { fromBase64 } from '../e2ee/base64';
import { DB_NAME, DB_VERSION, APP_STORES } from '../stores/DeviceDb';
import { IndexedDbKeyStore, KEY_STORES } from '../stores/IndexedDbKeyStore';
import { Db } from '../stores/idb';
import { DIRECTORY_KEY, type PushDirectory } from '../stores/pushDirectory';

export interface Preview {
  title: string;
  body: string;
  /** The app address the notification opens. */
  href: string;
  /** Whether the text was decrypted (for tests and the bench). */
  decrypted: boolean;
}

/** How long the worker waits for the room's answer, ms (a push event may run for about half a minute). */
const HISTORY_TIMEOUT_MS = 15_000;
/** Envelopes asked for: the newest message is usually the last, but reactions and edits may follow it. */
const HISTORY_PAGE = 10;

export function isPushPayload(x: unknown): x is PushPayload {
  const p = x as PushPayload;
  return typeof p === 'object' && p !== null && p.v === 1 && typeof p.channelId === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(p.channelId) && Number.isSafeInteger(p.seq) && p.seq > 0 && typeof p.mention === 'boolean';
}

/** The device database, if this browser has one (it is never created here: that would undo a sign-out). */
async function openDeviceDb(): Promise<Db | null> {
  const existing = (await indexedDB.databases?.().catch(() => null)) ?? null;
  if (existing && !existing.some((d) => d.name === DB_NAME)) return null;
  return Db.open(DB_NAME, DB_VERSION, [...KEY_STORES, ...APP_STORES]);
}

/** The newest envelopes up to `seq`, from the conversation's room. */
function fetchEnvelopes(channelId: string, seq: number, token: string): Promise<EnvelopeOut[]> {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${scheme}//${location.host}/ws/channels/${channelId}`, [SUBPROTOCOL, `bearer.${token}`]);
    const timer = setTimeout(() => (ws.close(), reject(new Error('the room did not answer'))), HISTORY_TIMEOUT_MS);
    ws.onopen = () => ws.send(JSON.stringify({ type: 'history', before: seq + 1, limit: HISTORY_PAGE }));
    ws.onmessage = (m) => {
      const frame = JSON.parse(String(m.data)) as { type: string; envelopes?: EnvelopeOut[] };
      if (frame.type !== 'history') return;
      clearTimeout(timer);
      ws.close(1000, 'preview read');
      resolve(frame.envelopes ?? []);
    };
    ws.onclose = () => (clearTimeout(timer), reject(new Error('the room closed the socket')));
  });
}

/** The text a notification shows for a message body. */
function describeBody(body: MessageBody): string {
  if (body.text?.trim()) return hideSpoilers(body.text.trim()).slice(0, 200);
  if (body.poll) return `📊 ${body.poll.question}`;
  if (body.files?.length) return `📎 ${body.files.map((f) => f.name).join(', ')}`.slice(0, 200);
  return '';
}

/** Opens the newest message among `envelopes` without storing anything; null when it cannot. */
async function openNewest(db: Db, channelId: string, envelopes: EnvelopeOut[], self: { userId: string; deviceId: string }): Promise<{ sender: string; text: string; name?: string } | null> {
  const store = new IndexedDbKeyStore(db);
  const provider = await selectProvider();
  const messages = envelopes.filter((e) => ((e.kind ?? 'message') === 'message' || e.kind === 'webhook') && !e.deleted && e.sender !== self.userId).sort((a, b) => b.seq - a.seq);
  for (const env of messages) {
    // A webhook's post is plaintext: nothing to decrypt, and it is named as the webhook.
    if (env.kind === 'webhook') {
      const post = readWebhookPost(env.ciphertext);
      if (post) return { sender: env.sender, text: post.text.slice(0, 200), name: post.username ?? post.name };
      continue;
    }
    const wrapped = unwrapChannelEnvelope(fromBase64(env.ciphertext));
    if (!wrapped) continue;
    const address = `${env.sender}.${wrapped.deviceId}`;
    const record = await store.getSenderKeyRecord(channelId, address);
    const session = await store.getSession(address);
    const trust = await store.getTrust(address);
    const identity = session?.remoteIdentity ?? (trust ? decodeIdentityPublic(trust.identityKey) : undefined);
    if (!record || !identity) continue;
    try {
      // A copy of the record is advanced and dropped: the device's own state is left as it was.
      const out = await senderKeyDecrypt(provider, record, identity, wrapped.message);
      const body = decodeBody(out.plaintext);
      if (body) return { sender: env.sender, text: describeBody(body) };
    } catch (e) {
      if (!isCryptoError(e)) throw e;
    }
  }
  return null;
}

/** The words before the app has stored its own, in its language. */
const ENGLISH: PushDirectory['strings'] = { newMessage: 'New message', mentioned: 'You were mentioned.', inConversation: '{sender} in {conversation}' };

/**
 * The notification for one push. When the deadline passes first, the preview goes on in the
 * background and `keepAlive` is given what is left of it (the push event's `waitUntil`): a session
 * refresh already sent then still stores the token it brings back before the database closes.
 */
export async function previewFor(payload: PushPayload, keepAlive: (work: Promise<unknown>) => void = () => undefined): Promise<Preview> {
  const db = await openDeviceDb().catch(() => null);
  const directory: PushDirectory = (await db?.get<PushDirectory>('device', DIRECTORY_KEY).catch(() => undefined)) ?? { conversations: {}, people: {}, strings: ENGLISH, showText: true };
  const strings = directory.strings;
  const fallback: Preview = { title: strings.newMessage, body: payload.mention ? strings.mentioned : '', href: '/', decrypted: false };
  if (!db) return fallback;
  let pending: Promise<Preview> | undefined;
  try {
    const where = directory.conversations[payload.channelId];
    const located: Preview = where ? { ...fallback, title: where.title, href: where.href } : fallback;
    // The person chose notifications that name the conversation only: nothing is fetched or decrypted.
    if (directory.showText === false) return located;
    const self = await db.get<{ userId: string; deviceId: string }>('device', 'self');
    if (!self) return located;
    configureAuth({
      persistence: {
        load: async () => (await db.get<string>('auth', 'refreshToken')) ?? null,
        save: async (token) => (token ? db.put('auth', 'refreshToken', token) : db.delete('auth', 'refreshToken')),
      },
      sessionEnded: () => undefined,
      refreshed: () => undefined,
    });
    const decrypted = async (): Promise<Preview> => {
      const token = await freshAccessToken();
      if (!token) return located;
      const envelopes = await fetchEnvelopes(payload.channelId, payload.seq, token).catch(() => [] as EnvelopeOut[]);
      const opened = await openNewest(db, payload.channelId, envelopes, self);
      if (!opened) return located;
      const sender = opened.name ?? directory.people[opened.sender] ?? strings.newMessage;
      const title = where && !where.direct ? strings.inConversation.replace('{sender}', sender).replace('{conversation}', where.short) : sender;
      return { title, body: opened.text || located.body, href: where?.href ?? '/', decrypted: true };
    };
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<Preview>((resolve) => {
      timer = setTimeout(() => {
        console.debug('push preview: not ready in time, showing the conversation only');
        resolve(located);
      }, PREVIEW_DEADLINE_MS);
    });
    pending = decrypted();
    pending.catch(() => undefined);
    try {
      return await Promise.race([pending, late]);
    } finally {
      clearTimeout(timer);
    }
  } finally {
    // The database closes once the preview has settled, not at the deadline: a refresh in flight
    // must be able to store the rotated token, or the next use of the old one ends the session.
    const closed = (pending ?? Promise.resolve()).then(
      () => undefined,
      () => undefined,
    ).then(() => db.close());
    try {
      keepAlive(closed);
    } catch {
      // The event has already ended: the work goes on as long as the worker does.
    }
  }
}

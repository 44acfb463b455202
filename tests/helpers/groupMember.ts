/**
 * A channel member's device run in Node with the client's own crypto library and real keys, for
 * tests and benches of group encryption at community scale (issue #21): it publishes a device
 * (identity, signed prekey, ML-KEM prekey, one-time prekeys) and a signed device list as the web
 * client does, opens its hub socket to receive sender-key distributions over pairwise PQXDH /
 * Double Ratchet sessions, and its channel socket to open SenderKey messages. Nothing here is a
 * stub: what a member reads, it decrypted.
 */
import WebSocket from 'ws';
import {
  decodeSenderKeyDistribution,
  decryptFrom,
  encodeIdentityPublic,
  generateAccountKey,
  generateIdentityKeyPair,
  generateKyberPreKey,
  generateOneTimePreKeys,
  generateSignedPreKey,
  identityPublicOf,
  InMemoryKeyStore,
  Kind,
  processSenderKeyDistribution,
  senderKeyDecrypt,
  signDeviceList,
  systemRng,
  WebCryptoProvider,
  type IdentityPublic,
  type SenderKeyRecord,
} from '../../client/src/crypto';
import { fromBase64, toBase64Url } from '../../client/src/e2ee/base64';
import { unwrapChannelEnvelope } from '../../client/src/e2ee/ChannelEnvelope';
import { packList } from '../../client/src/e2ee/DeviceLists';
import { decodeBody } from '../../client/src/e2ee/MessageBody';
import type { TestUser } from './accounts';

const provider = new WebCryptoProvider();

interface Target {
  url: string;
  wsUrl: string;
}

/**
 * Calls the API; a 429 is waited out (Retry-After) and tried again, because every simulated
 * member connects from 127.0.0.1 and shares one per-IP budget that real members would not.
 */
async function api(server: Target, user: TestUser | null, method: string, path: string, body?: unknown) {
  for (let attempt = 0; ; attempt++) {
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: { ...(user ? { Authorization: `Bearer ${user.accessToken}` } : {}), ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    if (res.status === 429 && attempt < 100) {
      await new Promise((r) => setTimeout(r, Math.max(200, Number(res.headers.get('retry-after') ?? 1) * 1000)));
      continue;
    }
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return text ? (JSON.parse(text) as Record<string, unknown>) : null;
  }
}

/** Registers `username` (the server must allow open registration) and joins with the community invite `code`. */
export async function registerMember(server: Target, username: string, inviteCode: string): Promise<TestUser> {
  const body = (await api(server, null, 'POST', '/api/auth/register', { acceptTerms: 1, username, password: 'correct horse battery staple', recoveryVerifier: toBase64Url(systemRng(32)) })) as {
    accessToken: string;
    refreshToken: string;
    user: { id: string; username: string };
  };
  const user = { id: body.user.id, username: body.user.username, accessToken: body.accessToken, refreshToken: body.refreshToken };
  await api(server, user, 'POST', `/api/community-invites/${inviteCode}/join`);
  return user;
}

/** One device of a member: its keys, sessions and received sender keys live in memory. */
export class MemberDevice {
  readonly store = new InMemoryKeyStore();
  /** Channel texts this device decrypted, with when (Date.now()) each was opened. */
  readonly received: { text: string; at: number; channelId: string }[] = [];
  /** When each pairwise ciphertext (`key`) and channel envelope arrived, decrypted or not. */
  readonly arrivals: { kind: 'key' | 'envelope'; at: number }[] = [];
  /** Sender-key distributions this device received. */
  keysReceived = 0;
  /** Inbox items that did not open, by error; a test expects none. */
  readonly failures: string[] = [];
  private readonly senderKeys = new Map<string, SenderKeyRecord>();
  private readonly identities = new Map<string, IdentityPublic>();
  private hub: WebSocket | undefined;
  private channels: WebSocket[] = [];
  private waiters: { text: string; resolve: () => void }[] = [];
  private pendingEnvelopes: { channelId: string; sender: string; ciphertext: string }[] = [];
  deviceId = '';

  private constructor(readonly user: TestUser) {}

  /**
   * Makes devices for `user` (each with its own keys), registers them, and publishes one signed
   * device list naming all of them under a fresh account key.
   */
  static async createAll(server: Target, user: TestUser, count = 1, oneTimePreKeys = 5): Promise<MemberDevice[]> {
    const devices: MemberDevice[] = [];
    const entries = [];
    for (let i = 0; i < count; i++) {
      const d = new MemberDevice(user);
      const identity = await generateIdentityKeyPair(provider, systemRng);
      const now = Date.now();
      const spk = await generateSignedPreKey(provider, systemRng, identity, 1, now);
      const kyber = await generateKyberPreKey(provider, systemRng, identity, 2, now);
      const opks = await generateOneTimePreKeys(provider, systemRng, 100, oneTimePreKeys);
      await d.store.setIdentity(identity);
      await d.store.putSignedPreKey(spk);
      await d.store.putKyberPreKey(kyber);
      await d.store.putOneTimePreKeys(opks);
      const created = (await api(server, user, 'POST', '/api/devices', {
        name: `node device ${i + 1}`,
        identityKey: toBase64Url(encodeIdentityPublic(identityPublicOf(identity))),
        signedPreKey: { id: spk.id, createdAt: spk.createdAt, publicKey: toBase64Url(spk.keyPair.publicKey), signature: toBase64Url(spk.signature) },
        kyberPreKey: { id: kyber.id, createdAt: kyber.createdAt, publicKey: toBase64Url(kyber.keyPair.publicKey), signature: toBase64Url(kyber.signature) },
        oneTimePreKeys: opks.map((k) => ({ id: k.id, publicKey: toBase64Url(k.keyPair.publicKey) })),
      })) as { deviceId: string };
      d.deviceId = created.deviceId;
      entries.push({ deviceId: d.deviceId, identity: identityPublicOf(identity), addedAt: now });
      devices.push(d);
    }
    const accountKey = await generateAccountKey(provider, systemRng);
    const signed = await signDeviceList(provider, accountKey, { userId: user.id, version: 1, issuedAt: Date.now(), devices: entries });
    await api(server, user, 'PUT', '/api/device-list', { version: 1, list: packList(accountKey.publicKey, signed) });
    return devices;
  }

  /** Opens the hub socket (sender-key distributions arrive there) and the channels' sockets. */
  /**
   * Opens the hub socket (sender-key distributions arrive there) and the channels' sockets. With
   * `decrypt: false` the device only records when ciphertexts arrive (`arrivals`) and acknowledges
   * them: a bench simulating a thousand devices on one machine decrypts on a sample of them, since
   * each real device would spend its own CPU on its own copy.
   */
  async connect(server: Target, channelIds: string[], { decrypt = true }: { decrypt?: boolean } = {}): Promise<void> {
    const protocols = ['chatalot.v2', 'chatalot.v1', `bearer.${this.user.accessToken}`];
    this.hub = await open(`${server.wsUrl}/ws/hub?device=${encodeURIComponent(this.deviceId)}`, protocols);
    let chain = Promise.resolve();
    this.hub.on('message', (data) => {
      const f = JSON.parse(String(data)) as { type: string; id?: number; from?: { userId: string; deviceId: string }; ciphertext?: string };
      if (f.type !== 'inbox') return;
      this.arrivals.push({ kind: 'key', at: Date.now() });
      if (!decrypt) return void this.hub?.send(JSON.stringify({ type: 'ack', ids: [f.id] }));
      chain = chain.then(() => this.openInbox(f as { id: number; from: { userId: string; deviceId: string }; ciphertext: string }));
    });
    for (const channelId of channelIds) {
      const ws = await open(`${server.wsUrl}/ws/channels/${channelId}`, protocols);
      ws.on('message', (data) => {
        const f = JSON.parse(String(data)) as { type: string; sender?: string; ciphertext?: string; head?: number };
        if (f.type !== 'envelope') return;
        this.arrivals.push({ kind: 'envelope', at: Date.now() });
        if (decrypt) this.openEnvelope(channelId, f.sender!, f.ciphertext!);
      });
      ws.send(JSON.stringify({ type: 'hello', lastSeq: 0 }));
      this.channels.push(ws);
    }
  }

  private async openInbox(item: { id: number; from: { userId: string; deviceId: string }; ciphertext: string }): Promise<void> {
    const address = `${item.from.userId}.${item.from.deviceId}`;
    try {
      const out = await decryptFrom({ provider, rng: systemRng, store: this.store }, address, fromBase64(item.ciphertext), undefined, Date.now());
      this.identities.set(address, out.remoteIdentity);
      if (out.plaintext[1] === Kind.SenderKeyDistribution) {
        const d = decodeSenderKeyDistribution(out.plaintext);
        this.keysReceived++;
        this.senderKeys.set(`${d.channelId} ${address}`, processSenderKeyDistribution(this.senderKeys.get(`${d.channelId} ${address}`), d));
        // Messages that arrived before their key open now.
        const waiting = this.pendingEnvelopes.splice(0);
        for (const e of waiting) this.openEnvelope(e.channelId, e.sender, e.ciphertext);
      }
    } catch (e) {
      this.failures.push(e instanceof Error ? e.message : String(e));
    }
    this.hub?.send(JSON.stringify({ type: 'ack', ids: [item.id] }));
  }

  private openEnvelope(channelId: string, sender: string, ciphertext: string): void {
    const wrapped = unwrapChannelEnvelope(fromBase64(ciphertext));
    if (!wrapped) return void this.failures.push('malformed envelope');
    const address = `${sender}.${wrapped.deviceId}`;
    const record = this.senderKeys.get(`${channelId} ${address}`);
    const identity = this.identities.get(address);
    if (!record || !identity) return void this.pendingEnvelopes.push({ channelId, sender, ciphertext });
    void senderKeyDecrypt(provider, record, identity, wrapped.message).then(
      (out) => {
        this.senderKeys.set(`${channelId} ${address}`, out.record);
        const text = decodeBody(out.plaintext)?.text ?? '';
        this.received.push({ text, at: Date.now(), channelId });
        this.waiters = this.waiters.filter((w) => (w.text === text ? (w.resolve(), false) : true));
      },
      (e) => this.failures.push(e instanceof Error ? e.message : String(e)),
    );
  }

  /** Resolves with the time (Date.now()) this device opened a message reading `text`. */
  async receivedAt(text: string, timeoutMs: number): Promise<number> {
    const seen = this.received.find((r) => r.text === text);
    if (seen) return seen.at;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`device ${this.deviceId} of ${this.user.username} did not read "${text}" within ${timeoutMs} ms (failures: ${this.failures.join('; ') || 'none'})`)), timeoutMs);
      this.waiters.push({ text, resolve: () => (clearTimeout(timer), resolve()) });
    });
    return this.received.find((r) => r.text === text)!.at;
  }

  /** Resolves with when an envelope (and, with `withKey`, a pairwise ciphertext) had arrived after `since`, decrypted or not. */
  async deliveredAt(since: number, withKey: boolean, timeoutMs: number): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const key = this.arrivals.find((a) => a.kind === 'key' && a.at >= since);
      const envelope = this.arrivals.find((a) => a.kind === 'envelope' && a.at >= since);
      if (envelope && (key || !withKey)) return Math.max(envelope.at, key?.at ?? 0);
      if (Date.now() > deadline) throw new Error(`device ${this.deviceId} of ${this.user.username}: nothing arrived within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  close(): void {
    this.hub?.close();
    for (const c of this.channels) c.close();
  }
}

async function open(url: string, protocols: string[]): Promise<WebSocket> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await openOnce(url, protocols);
    } catch (e) {
      if (!(e instanceof Error && e.message.endsWith('429')) || attempt >= 100) throw e;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

function openOnce(url: string, protocols: string[]): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols);
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused with ${res.statusCode}`)));
  });
}

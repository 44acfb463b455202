/**
 * The key directory, end to end: real devices made with the client's crypto library publish
 * their bundles to the real server, another user claims them (each one-time prekey once),
 * verifies every signature itself, runs PQXDH and sends the first message through a channel;
 * then the server's storage is scanned for the plaintext. Also device lists, key backups, and
 * who may touch what (SECURITY-TESTS P9, V1, Z1).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'node:http';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  decodeIdentityPublic,
  decryptFrom,
  encodeIdentityPublic,
  encryptTo,
  generateIdentityKeyPair,
  generateKyberPreKey,
  generateOneTimePreKeys,
  generateSignedPreKey,
  identityPublicOf,
  InMemoryKeyStore,
  NobleProvider,
  startSession,
  systemRng,
  verifyPreKeyBundle,
  createSenderKey,
  decodeSenderKeyDistribution,
  encodeSenderKeyDistribution,
  processSenderKeyDistribution,
  senderKeyDecrypt,
  senderKeyDistribution,
  senderKeyEncrypt,
  type PreKeyBundle,
} from '../../client/src/crypto';
import { base64url, fromBase64url } from '../../worker/auth/secrets';
import { createDatabase } from '../setup/postgres';
import { startServer, type RunningServer } from '../helpers/server';
import { createCommunity, joinCommunity, openChannel } from '../helpers/accounts';
import { FRANKING } from '../helpers/franking';

const provider = new NobleProvider();
const b64 = (bytes: Uint8Array) => base64url(bytes);

interface Account {
  id: string;
  token: string;
  username: string;
}

async function api(server: RunningServer, path: string, init: { method?: string; token?: string; body?: unknown; headers?: Record<string, string>; raw?: BodyInit | Uint8Array } = {}) {
  const headers: Record<string, string> = { ...(init.headers ?? {}) };
  if (init.token) headers.Authorization = `Bearer ${init.token}`;
  if (init.body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(`${server.url}${path}`, { method: init.method ?? 'GET', headers, body: (init.raw as BodyInit | undefined) ?? (init.body !== undefined ? JSON.stringify(init.body) : undefined) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

async function register(server: RunningServer, username: string): Promise<Account> {
  const res = await api(server, '/api/auth/register', { method: 'POST', body: { acceptTerms: 1, username, password: "correct horse battery staple", recoveryVerifier: b64(systemRng(32)) } });
  expect(res.status).toBe(201);
  return { id: (res.json.user as { id: string }).id, token: res.json.accessToken as string, username };
}

async function makeDevice(opkCount: number) {
  const identity = await generateIdentityKeyPair(provider, systemRng);
  const now = Date.now();
  const spk = await generateSignedPreKey(provider, systemRng, identity, 1, now);
  const kyber = await generateKyberPreKey(provider, systemRng, identity, 2, now);
  const opks = await generateOneTimePreKeys(provider, systemRng, 100, opkCount);
  const store = new InMemoryKeyStore();
  await store.setIdentity(identity);
  await store.putSignedPreKey(spk);
  await store.putKyberPreKey(kyber);
  await store.putOneTimePreKeys(opks);
  const upload = {
    name: 'test laptop',
    identityKey: b64(encodeIdentityPublic(identityPublicOf(identity))),
    signedPreKey: { id: spk.id, createdAt: spk.createdAt, publicKey: b64(spk.keyPair.publicKey), signature: b64(spk.signature) },
    kyberPreKey: { id: kyber.id, createdAt: kyber.createdAt, publicKey: b64(kyber.keyPair.publicKey), signature: b64(kyber.signature) },
    oneTimePreKeys: opks.map((k) => ({ id: k.id, publicKey: b64(k.keyPair.publicKey) })),
  };
  return { identity, store, upload, deps: { provider, rng: systemRng, store } };
}

type Claimed = { deviceId: string; identityKey: string; signedPreKey: { id: number; createdAt: number; publicKey: string; signature: string }; kyberPreKey: { id: number; createdAt: number; publicKey: string; signature: string } | null; oneTimePreKey: { id: number; publicKey: string } | null };

function toBundle(c: Claimed): PreKeyBundle {
  return {
    identity: decodeIdentityPublic(fromBase64url(c.identityKey)),
    signedPreKey: { id: c.signedPreKey.id, createdAt: c.signedPreKey.createdAt, publicKey: fromBase64url(c.signedPreKey.publicKey), signature: fromBase64url(c.signedPreKey.signature) },
    oneTimePreKey: c.oneTimePreKey ? { id: c.oneTimePreKey.id, publicKey: fromBase64url(c.oneTimePreKey.publicKey) } : null,
    kyberPreKey: c.kyberPreKey ? { id: c.kyberPreKey.id, createdAt: c.kyberPreKey.createdAt, publicKey: fromBase64url(c.kyberPreKey.publicKey), signature: fromBase64url(c.kyberPreKey.signature) } : null,
  };
}

/** Announces a 16 MiB + 1 byte backup without sending it: the server must refuse on the header alone. */
function declaredTooLarge(server: RunningServer, token: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`${server.url}/api/key-backup`, {
      method: 'PUT',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/octet-stream', 'X-Backup-Version': '5', 'Content-Length': String(16 * 1024 * 1024 + 1) },
    });
    req.on('response', (res) => (res.resume(), resolve(res.statusCode ?? 0)));
    req.on('error', reject);
    req.flushHeaders();
  });
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

describe.each(['sqlite', 'postgres'] as const)('key directory on %s', (backend) => {
  let server: RunningServer;
  let databaseUrl: string | undefined;
  let alice: Account;
  let bob: Account;
  let aliceDevice: Awaited<ReturnType<typeof makeDevice>>;
  let aliceDeviceId: string;

  beforeAll(async () => {
    databaseUrl = backend === 'postgres' ? await createDatabase(inject('postgresUrl')) : undefined;
    server = await startServer({ env: { REGISTRATION_MODE: 'open', ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}) } });
    alice = await register(server, 'alice');
    bob = await register(server, 'bob');
    aliceDevice = await makeDevice(3);
    const res = await api(server, '/api/devices', { method: 'POST', token: alice.token, body: aliceDevice.upload });
    expect(res.status, JSON.stringify(res.json)).toBe(201);
    expect(res.json.oneTimePreKeys).toBe(3);
    aliceDeviceId = res.json.deviceId as string;
    // Keys are read only by people who share something with their owner (hardening #11.4, #11.12).
    await sharedChannel();
  });
  afterAll(async () => server?.kill());

  const asTestUser = (a: Account) => ({ id: a.id, username: a.username, accessToken: a.token, refreshToken: '' });
  /** A fresh community of Bob's that Alice has joined: a channel both may use. */
  async function sharedChannel(): Promise<string> {
    const { communityId, channelId } = await createCommunity(server, asTestUser(bob));
    await joinCommunity(server, asTestUser(bob), communityId, [asTestUser(alice)]);
    return channelId;
  }

  it('V1: a claimed bundle verifies, PQXDH runs, the first message crosses the relay, and the server stored no plaintext', async () => {
    const found = await api(server, '/api/users/by-name/ALICE', { token: bob.token });
    expect(found.json).toMatchObject({ id: alice.id, username: 'alice' });
    const claim = await api(server, `/api/users/${alice.id}/bundles`, { method: 'POST', token: bob.token });
    const [claimed] = claim.json.bundles as Claimed[];
    expect(claimed).toMatchObject({ deviceId: aliceDeviceId, oneTimePreKey: { id: 100 } });
    const bundle = toBundle(claimed!);
    await verifyPreKeyBundle(provider, bundle);

    const bobDevice = await makeDevice(0);
    const canary = `canary-${b64(systemRng(16))}`;
    await startSession(bobDevice.deps, aliceDeviceId, bundle, Date.now());
    const ciphertext = await encryptTo(bobDevice.deps, aliceDeviceId, new TextEncoder().encode(canary));

    const channel = await sharedChannel();
    const aliceSocket = await openChannel(server, asTestUser(alice), channel);
    const bobSocket = await openChannel(server, asTestUser(bob), channel);
    bobSocket.send({ type: 'send', franking: FRANKING, clientMsgId: 'first-message-1', ciphertext: Buffer.from(ciphertext).toString('base64') });
    const envelope = await aliceSocket.next<{ ciphertext: string }>((f) => f.type === 'envelope');
    const opened = await decryptFrom(aliceDevice.deps, 'bob-device', new Uint8Array(Buffer.from(envelope.ciphertext, 'base64')), undefined, Date.now());
    expect(new TextDecoder().decode(opened.plaintext)).toBe(canary);
    aliceSocket.close();
    bobSocket.close();

    // Every byte the server keeps: its data directory (SQLite, blobs, keys) and, on PostgreSQL, every table.
    const needles = [canary, Buffer.from(canary).toString('base64'), Buffer.from(canary).toString('hex'), Buffer.from(canary, 'utf16le').toString('latin1')];
    for (const file of filesUnder(server.dataDir)) {
      const bytes = readFileSync(file).toString('latin1');
      for (const n of needles) expect(bytes.includes(n), `${n} in ${file}`).toBe(false);
    }
    if (databaseUrl) {
      const sql = postgres(databaseUrl, { max: 1, onnotice: () => undefined });
      const tables = await sql`SELECT tablename FROM pg_tables WHERE schemaname = 'public'`;
      for (const { tablename } of tables) {
        const dump = JSON.stringify(await sql.unsafe(`SELECT * FROM "${tablename}"`));
        for (const n of needles) expect(dump.includes(n), `${n} in ${tablename}`).toBe(false);
      }
      await sql.end();
    }
  });

  it('P9: each one-time prekey is handed out once; when none is left the bundle comes without one and still works', async () => {
    const ids: (number | null)[] = [];
    for (let i = 0; i < 3; i++) {
      const claim = await api(server, `/api/users/${alice.id}/bundles`, { method: 'POST', token: bob.token });
      ids.push(((claim.json.bundles as Claimed[])[0]!.oneTimePreKey ?? { id: null }).id);
    }
    expect(ids).toEqual([101, 102, null]);
    const mine = await api(server, '/api/devices', { token: alice.token });
    expect((mine.json.devices as { oneTimePreKeys: number }[])[0]!.oneTimePreKeys).toBe(0);
    const claim = await api(server, `/api/users/${alice.id}/bundles`, { method: 'POST', token: bob.token });
    const bundle = toBundle((claim.json.bundles as Claimed[])[0]!);
    await verifyPreKeyBundle(provider, bundle);
    const carol = await makeDevice(0);
    await startSession(carol.deps, aliceDeviceId, bundle, Date.now());
    const message = await encryptTo(carol.deps, aliceDeviceId, new TextEncoder().encode('no one-time prekey'));
    const opened = await decryptFrom(aliceDevice.deps, 'carol-device', message, undefined, Date.now());
    expect(new TextDecoder().decode(opened.plaintext)).toBe('no one-time prekey');
  });

  it('sender keys travel only inside pairwise sessions: the server stores neither the chain key nor the signing key', async () => {
    const claim = await api(server, `/api/users/${alice.id}/bundles`, { method: 'POST', token: bob.token });
    const bundle = toBundle((claim.json.bundles as Claimed[])[0]!);
    await verifyPreKeyBundle(provider, bundle);
    const bobDevice = await makeDevice(0);
    await startSession(bobDevice.deps, aliceDeviceId, bundle, Date.now());
    const channel = await sharedChannel();
    const own = await createSenderKey(provider, systemRng, channel, Date.now());
    const distribution = encodeSenderKeyDistribution(senderKeyDistribution(own));
    const wrapped = await encryptTo(bobDevice.deps, aliceDeviceId, distribution);
    const canary = `group-canary-${b64(systemRng(16))}`;
    const sent = await senderKeyEncrypt(provider, own, identityPublicOf(bobDevice.identity), new TextEncoder().encode(canary));

    const reader = await openChannel(server, asTestUser(alice), channel);
    const writer = await openChannel(server, asTestUser(bob), channel);
    writer.send({ type: 'send', franking: FRANKING, clientMsgId: 'distribution-1', ciphertext: Buffer.from(wrapped).toString('base64') });
    writer.send({ type: 'send', franking: FRANKING, clientMsgId: 'group-message-1', ciphertext: Buffer.from(sent.message).toString('base64') });
    await reader.next((f) => f.type === 'envelope' && (f as { seq: number }).seq === 2);
    const [d, m] = reader.frames.filter((f) => f.type === 'envelope') as unknown as { ciphertext: string }[];
    const opened = await decryptFrom(aliceDevice.deps, 'bob-group-device', new Uint8Array(Buffer.from(d!.ciphertext, 'base64')), undefined, Date.now());
    const record = processSenderKeyDistribution(undefined, decodeSenderKeyDistribution(opened.plaintext));
    const read = await senderKeyDecrypt(provider, record, identityPublicOf(bobDevice.identity), new Uint8Array(Buffer.from(m!.ciphertext, 'base64')));
    expect(new TextDecoder().decode(read.plaintext)).toBe(canary);
    reader.close();
    writer.close();

    const secrets = [own.chain.chainKey, own.signing.seed].map((k) => Buffer.from(k));
    const needles = [canary, ...secrets.flatMap((k) => [k.toString('hex'), k.toString('base64'), k.toString('base64url'), k.toString('latin1')])];
    for (const file of filesUnder(server.dataDir)) {
      const bytes = readFileSync(file).toString('latin1');
      for (const n of needles) expect(bytes.includes(n), `secret found in ${file}`).toBe(false);
    }
  });

  it('replenishes one-time prekeys and rotates the signed prekey; only the owner may', async () => {
    const more = (await generateOneTimePreKeys(provider, systemRng, 200, 20)).map((k) => ({ id: k.id, publicKey: b64(k.keyPair.publicKey) }));
    const stranger = await api(server, `/api/devices/${aliceDeviceId}/prekeys`, { method: 'PUT', token: bob.token, body: { oneTimePreKeys: more } });
    expect(stranger.status).toBe(404);
    const own = await api(server, `/api/devices/${aliceDeviceId}/prekeys`, { method: 'PUT', token: alice.token, body: { oneTimePreKeys: more } });
    expect(own.json).toEqual({ oneTimePreKeys: 20 });
    const tooMany = await api(server, `/api/devices/${aliceDeviceId}/prekeys`, { method: 'PUT', token: alice.token, body: { oneTimePreKeys: Array.from({ length: 101 }, (_, i) => ({ ...more[0]!, id: 1000 + i })) } });
    expect(tooMany.status).toBe(400);
    const spk = await generateSignedPreKey(provider, systemRng, aliceDevice.identity, 9, Date.now());
    await api(server, `/api/devices/${aliceDeviceId}/prekeys`, { method: 'PUT', token: alice.token, body: { signedPreKey: { id: 9, createdAt: spk.createdAt, publicKey: b64(spk.keyPair.publicKey), signature: b64(spk.signature) } } });
    const claim = await api(server, `/api/users/${alice.id}/bundles`, { method: 'POST', token: bob.token });
    expect((claim.json.bundles as Claimed[])[0]!.signedPreKey.id).toBe(9);
  });

  it('device lists only move forward; people who share a community with the owner read them (ids and keys, no names), only the owner can write', async () => {
    expect((await api(server, '/api/device-list', { method: 'PUT', token: alice.token, body: { version: 1, list: 'c2lnbmVkLWxpc3Qtdj' } })).status).toBe(204);
    expect((await api(server, '/api/device-list', { method: 'PUT', token: alice.token, body: { version: 1, list: 'b3RoZXI' } })).status).toBe(409);
    const read = await api(server, `/api/users/${alice.id}/device-list`, { token: bob.token });
    expect(read.json).toMatchObject({ version: 1, list: 'c2lnbmVkLWxpc3Qtdj' });
    const devices = (await api(server, `/api/users/${alice.id}/devices`, { token: bob.token })).json;
    expect(devices).toMatchObject({ devices: [{ deviceId: aliceDeviceId }], deviceList: { version: 1 } });
    expect(Object.keys((devices.devices as object[])[0]!).sort()).toEqual(['deviceId', 'identityKey']);
    const stranger = await register(server, `dora_${backend}`);
    for (const path of [`/api/users/${alice.id}/devices`, `/api/users/${alice.id}/device-list`]) expect((await api(server, path, { token: stranger.token })).status, path).toBe(404);
    expect((await api(server, `/api/users/${alice.id}/bundles`, { method: 'POST', token: stranger.token })).status).toBe(404);
  });

  it('key backups: opaque bytes, versions only grow, size capped, private to the owner', async () => {
    const bytes = systemRng(4096);
    const put = (version: number, body: Uint8Array, token = alice.token, type = 'application/octet-stream') =>
      api(server, '/api/key-backup', { method: 'PUT', token, raw: body, headers: { 'Content-Type': type, 'X-Backup-Version': String(version) } });
    expect((await put(1, bytes)).status).toBe(204);
    expect((await put(1, systemRng(10))).status).toBe(409);
    expect((await put(2, bytes, alice.token, 'application/json')).status).toBe(415);
    expect(await declaredTooLarge(server, alice.token)).toBe(413);
    const res = await fetch(`${server.url}/api/key-backup`, { headers: { Authorization: `Bearer ${alice.token}` } });
    expect(res.headers.get('X-Backup-Version')).toBe('1');
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(bytes);
    expect((await api(server, '/api/key-backup', { token: bob.token })).status).toBe(404);
    expect((await api(server, '/api/key-backup/status', { token: alice.token })).json).toMatchObject({ exists: true, version: 1, size: 4096 });
    expect((await api(server, '/api/key-backup/status', { token: bob.token })).json).toEqual({ exists: false });
  });

  it('deleting the account deletes its key backup blob too', async () => {
    const carol = await register(server, `carol_${backend}`);
    const put = await api(server, '/api/key-backup', { method: 'PUT', token: carol.token, raw: systemRng(1000), headers: { 'Content-Type': 'application/octet-stream', 'X-Backup-Version': '1' } });
    expect(put.status).toBe(204);
    const blob = join(server.dataDir, 'blobs', 'key-backups', carol.id);
    expect(statSync(blob).size).toBe(1000);
    const deleted = await api(server, '/api/me', { method: 'DELETE', token: carol.token, body: { password: 'correct horse battery staple' } });
    expect(deleted.status).toBe(204);
    expect(() => statSync(blob)).toThrow();
  });

  it('removing a device from another one signs it out: its session can no longer fetch the key backup (the simulation found a removed device reading on through it)', async () => {
    const login = await api(server, '/api/auth/login', { method: 'POST', body: { username: alice.username, password: 'correct horse battery staple', deviceName: 'old tablet' } });
    expect(login.status).toBe(200);
    const tablet = login.json.accessToken as string;
    const device = await makeDevice(1);
    const added = await api(server, '/api/devices', { method: 'POST', token: tablet, body: device.upload });
    expect(added.status).toBe(201);
    expect((await api(server, '/api/key-backup/status', { token: tablet })).status).toBe(200);
    // Alice removes the tablet from her first session.
    expect((await api(server, `/api/devices/${added.json.deviceId as string}`, { method: 'DELETE', token: alice.token })).status).toBe(204);
    expect((await api(server, '/api/key-backup/status', { token: tablet })).status).toBe(401);
    expect((await api(server, '/api/key-backup', { token: tablet })).status).toBe(401);
    expect((await api(server, '/api/auth/refresh', { method: 'POST', body: { refreshToken: login.json.refreshToken } })).status).toBe(401);
    // The session that removed it goes on.
    expect((await api(server, '/api/key-backup/status', { token: alice.token })).status).toBe(200);
  });

  it('Z1: every key route refuses a missing or forged token; a device of someone else cannot be removed', async () => {
    const routes: [string, string][] = [
      ['POST', '/api/devices'], ['GET', '/api/devices'], ['PUT', `/api/devices/${aliceDeviceId}/prekeys`], ['DELETE', `/api/devices/${aliceDeviceId}`],
      ['GET', '/api/users/by-name/alice'], ['GET', `/api/users/${alice.id}/devices`], ['POST', `/api/users/${alice.id}/bundles`], ['GET', `/api/users/${alice.id}/device-list`],
      ['PUT', '/api/device-list'], ['PUT', '/api/key-backup'], ['GET', '/api/key-backup'], ['GET', '/api/key-backup/status'],
      ['POST', '/api/users/devices'], ['POST', '/api/users/bundles'],
    ];
    for (const [method, path] of routes) {
      expect((await api(server, path, { method })).status, `${method} ${path}`).toBe(401);
      expect((await api(server, path, { method, token: `${alice.token.slice(0, -4)}AAAA` })).status, `${method} ${path} forged`).toBe(401);
    }
    expect((await api(server, `/api/devices/${aliceDeviceId}`, { method: 'DELETE', token: bob.token })).status).toBe(404);
    expect((await api(server, `/api/devices/${aliceDeviceId}`, { method: 'DELETE', token: alice.token })).status).toBe(204);
    expect((await api(server, `/api/users/${alice.id}/bundles`, { method: 'POST', token: bob.token })).json).toEqual({ bundles: [] });
  });
});

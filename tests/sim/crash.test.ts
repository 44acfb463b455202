/**
 * SECURITY-TESTS R9, Complement-Crypto style: the web client's own Engine (client/src/e2ee), in
 * Node against the real server, dies between a key upload reaching the server and its answer
 * (the page closed, the tab killed: nothing after the request runs), then starts again from what
 * it had stored. No key may be lost or duplicated: every one-time prekey the server hands out
 * has its private half on the device, and a device the server registered is not registered again.
 * Also the weekly rotation of the signed prekeys (docs/crypto.md), whose upload can be lost too.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, expect, it, vi } from 'vitest';
import { verifyPreKeyBundle, type PreKeyBundle } from '../../client/src/crypto';
import { SIM_PASSWORD, loadClient, worldSuite } from './world';

worldSuite();

/**
 * Runs `body` with fetch failing `matches` requests as a page killed mid-request: after sending
 * them (the server acted, the answer is lost), or before (the request never left).
 */
async function killedAfterSending<T>(matches: (method: string, url: string) => boolean, body: () => Promise<T>, when: 'after' | 'before' = 'after'): Promise<{ cut: number; result: PromiseSettledResult<T> }> {
  const realFetch = globalThis.fetch;
  let cut = 0;
  globalThis.fetch = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = String(input instanceof Request ? input.url : input);
    const method = init?.method ?? (input instanceof Request ? input.method : 'GET');
    if (!matches(method, url)) return realFetch(input, init);
    if (when === 'after') await (await realFetch(input, init)).arrayBuffer();
    cut++;
    throw new TypeError('the page was closed');
  }) as typeof fetch;
  try {
    const [result] = await Promise.allSettled([body()]);
    return { cut, result: result! };
  } finally {
    globalThis.fetch = realFetch;
  }
}

async function account(name: string) {
  const client = await loadClient();
  let persisted: string | null = null;
  client.http.configureAuth({ persistence: { load: async () => persisted, save: async (t) => void (persisted = t) }, sessionEnded: () => undefined, refreshed: () => undefined });
  const r = await client.auth.register({ acceptTerms: 1, username: name, password: SIM_PASSWORD, recoveryVerifier: randomBytes(32).toString('base64url') });
  await client.http.setTokens(r);
  const open = () => client.idb.Db.open(`crash-${name}`, client.deviceDb.DB_VERSION, [...client.keyStore.KEY_STORES, ...client.deviceDb.APP_STORES]);
  return { client, user: r.user, open };
}

it('R9: a device killed after its registration reached the server takes that device up again on restart, not a second one', async () => {
  const { client, user, open } = await account(`r9reg${randomBytes(3).toString('hex')}`);
  const killed = await killedAfterSending((m, u) => m === 'POST' && u.endsWith('/api/devices'), async () => client.engine.Engine.start(await open(), user, 'laptop'));
  expect(killed.cut).toBe(1);
  expect(killed.result.status).toBe('rejected');
  expect((await client.keys.listOwnDevices()).devices).toHaveLength(1);

  const engine = await client.engine.Engine.start(await open(), user, 'laptop');
  const devices = (await client.keys.listOwnDevices()).devices;
  expect(devices.map((d) => d.deviceId)).toEqual([engine.deviceId]);
  // The keys the server holds for it are the ones this device made: its own bundle opens.
  const claimed = (await client.keys.claimBundles(user.id)).bundles.find((b) => b.deviceId === engine.deviceId)!;
  expect(claimed.oneTimePreKey).not.toBeNull();
  const local = await engine.store.getOneTimePreKey(claimed.oneTimePreKey!.id);
  expect(local ? Buffer.from(local.keyPair.publicKey).toString('base64url') : null).toBe(claimed.oneTimePreKey!.publicKey);
  engine.stop();
}, 120_000);

it('R9: a device killed after its new one-time prekeys reached the server never makes those key ids again; every prekey the server hands out opens on the device', async () => {
  const { client, user, open } = await account(`r9otk${randomBytes(3).toString('hex')}`);
  const first = await client.engine.Engine.start(await open(), user, 'laptop');
  const deviceId = first.deviceId;
  first.stop();
  /** Takes `n` of the device's one-time prekeys from the server as a sender would (one's own are not rate limited); their ids and public keys. */
  const drain = async (n: number) => {
    const out: { id: number; publicKey: string }[] = [];
    for (let i = 0; i < n; i++) {
      const opk = (await client.keys.claimBundles(user.id)).bundles.find((b) => b.deviceId === deviceId)?.oneTimePreKey;
      if (!opk) break;
      out.push(opk);
    }
    return out;
  };
  const serverHolds = async () => (await client.keys.listOwnDevices()).devices.find((d) => d.deviceId === deviceId)!.oneTimePreKeys;
  const isUpload = (m: string, u: string) => m === 'PUT' && u.endsWith(`/api/devices/${deviceId}/prekeys`);

  // Low: the next start makes new ones, and dies after uploading them.
  await drain((await serverHolds()) - 10);
  const killed = await killedAfterSending(isUpload, async () => client.engine.Engine.start(await open(), user, 'laptop'));
  expect([killed.cut, killed.result.status]).toEqual([1, 'rejected']);
  expect(await serverHolds()).toBeGreaterThan(50);

  // Low again later: the start after that makes more.
  await drain((await serverHolds()) - 10);
  const restarted = await client.engine.Engine.start(await open(), user, 'laptop');
  expect(await serverHolds()).toBeGreaterThan(50);

  // Every one-time prekey the server still hands out has its private half on the device.
  const handedOut = await drain(1_000);
  expect(handedOut.length).toBeGreaterThan(50);
  expect(new Set(handedOut.map((k) => k.id)).size).toBe(handedOut.length);
  const mismatched: number[] = [];
  for (const k of handedOut) {
    const local = await restarted.store.getOneTimePreKey(k.id);
    if (!local || Buffer.from(local.keyPair.publicKey).toString('base64url') !== k.publicKey) mismatched.push(k.id);
  }
  expect(mismatched).toEqual([]);
  restarted.stop();
}, 180_000);

afterEach(() => void vi.useRealTimers());

it('signed prekeys rotate weekly and the replaced pair stays 30 days after its replacement; a rotation whose upload was lost is published at the next start (R9)', async () => {
  const DAY = 24 * 60 * 60 * 1000;
  const t0 = Date.now();
  vi.useFakeTimers({ toFake: ['Date'], now: t0 });
  const { client, user, open } = await account(`r9spk${randomBytes(3).toString('hex')}`);
  const first = await client.engine.Engine.start(await open(), user, 'laptop');
  const deviceId = first.deviceId;
  first.stop();
  /** What a sender gets for this device now, checked as a sender checks it. */
  const handedOut = async (engine: typeof first) => {
    const claimed = (await client.keys.claimBundles(user.id)).bundles.find((b) => b.deviceId === deviceId)!;
    const bundle = (engine as unknown as { bundleFrom(c: typeof claimed): PreKeyBundle }).bundleFrom(claimed);
    await verifyPreKeyBundle(engine.provider, bundle);
    return { signed: claimed.signedPreKey.id, kyber: claimed.kyberPreKey?.id };
  };
  const held = async (engine: typeof first) => ({
    signed: (await engine.store.listSignedPreKeys()).map((k) => k.id).sort(),
    kyber: (await Promise.all([1, 2, 3].map((id) => engine.store.getKyberPreKey(id)))).filter((k) => k).map((k) => k!.id),
  });
  const isUpload = (m: string, u: string) => m === 'PUT' && u.endsWith(`/api/devices/${deviceId}/prekeys`);

  // Six days on: not due yet.
  vi.setSystemTime(t0 + 6 * DAY);
  const early = await client.engine.Engine.start(await open(), user, 'laptop');
  expect(await handedOut(early)).toEqual({ signed: 1, kyber: 1 });
  early.stop();

  // Eight days on: due. The new pair is made and kept, but its upload never leaves.
  vi.setSystemTime(t0 + 8 * DAY);
  const lost = await killedAfterSending(isUpload, async () => (await client.engine.Engine.start(await open(), user, 'laptop')).stop(), 'before');
  expect([lost.cut, lost.result.status]).toEqual([1, 'fulfilled']);
  // The next start publishes it; the old pair is still held for initial messages in flight.
  const later = await client.engine.Engine.start(await open(), user, 'laptop');
  expect(await handedOut(later)).toEqual({ signed: 2, kyber: 2 });
  expect(await held(later)).toEqual({ signed: [1, 2], kyber: [1, 2] });
  later.stop();

  // 29 days after the replacement the old pair is still kept; at 31 it is gone, and the
  // pair made on day 8 has been replaced in turn (kept, as it was handed out until now).
  vi.setSystemTime(t0 + 37 * DAY);
  const kept = await client.engine.Engine.start(await open(), user, 'laptop');
  expect(await handedOut(kept)).toEqual({ signed: 3, kyber: 3 });
  expect(await held(kept)).toEqual({ signed: [1, 2, 3], kyber: [1, 2, 3] });
  kept.stop();
  vi.setSystemTime(t0 + 39 * DAY);
  const last = await client.engine.Engine.start(await open(), user, 'laptop');
  expect(await handedOut(last)).toEqual({ signed: 3, kyber: 3 });
  expect(await held(last)).toEqual({ signed: [2, 3], kyber: [2, 3] });
  last.stop();
}, 180_000);

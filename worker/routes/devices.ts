/**
 * `/api/devices`, `/api/users/{id}/…`, `/api/device-list`, `/api/key-backup`: the public halves
 * of every device's keys, and each user's signed device list and encrypted key backup.
 *
 * The server stores and hands out; it verifies nothing cryptographic, because clients must not
 * trust it to: an initiator checks the prekey signatures and the signed device list itself. What
 * the server does guarantee is that a one-time prekey is handed out at most once, that only a
 * device's owner can change its keys, and that a device list or backup never goes back a version.
 */
import { Hono, type Context } from 'hono';
import type { ClaimedBundle } from '../../protocol/keys';
import { BatchUsersRequest, MAX_DEVICES, MAX_KEY_BACKUP_BYTES, PutDeviceListRequest, RegisterDeviceRequest, UploadPreKeysRequest } from '../../protocol/keys';
import { ApiError } from '../../protocol/errors';
import type { AppEnv } from '../app';
import { normalizeUsername } from '../auth/names';
import { newId } from '../auth/secrets';
import { announceDeviceList, removeDeviceFromHub, storageDirectory } from '../hubs';
import { closeSessionSockets, notifyDevicesChanged } from '../rooms';
import { mayReadKeys, mayTakeOneTimePreKeys, mayTakeOneTimePreKeysOf } from '../auth/keyAccess';
import { requireAuth } from '../middleware/auth';
import { errorResponse } from '../middleware/errors';
import { jsonBody, readBodyCapped } from '../middleware/jsonBody';
import { blobStore, keyBackupBlob } from '../storage/BlobStore';
import type { Device, Storage } from '../storage/Storage';
import type { Env } from '../env';


export const deviceRoutes = new Hono<AppEnv>()
  .use('*', requireAuth)

  .post('/', async (c) => {
    const body = await jsonBody(c, RegisterDeviceRequest);
    const storage = await c.var.storage();
    const { user } = c.var.auth;
    if ((await storage.listDevices(user.id)).length >= MAX_DEVICES) throw new ApiError('conflict', `an account may have at most ${MAX_DEVICES} devices; remove one first`);
    const now = c.var.now();
    const device = await storage.addDevice({
      id: newId(),
      userId: user.id,
      name: body.name.trim(),
      identityKey: body.identityKey,
      createdAt: now,
      lastSeenAt: now,
      signedPreKey: JSON.stringify(body.signedPreKey),
      kyberPreKey: body.kyberPreKey ? JSON.stringify(body.kyberPreKey) : null,
      sessionId: c.var.auth.session.id,
    });
    await storage.addOneTimePreKeys(device.id, (body.oneTimePreKeys ?? []).map((k) => ({ keyId: k.id, publicKey: k.publicKey })));
    return c.json({ deviceId: device.id, oneTimePreKeys: await storage.countOneTimePreKeys(device.id) }, 201);
  })

  .get('/', async (c) => {
    const storage = await c.var.storage();
    const devices = await storage.listDevices(c.var.auth.user.id);
    return c.json({
      devices: await Promise.all(devices.map(async (d) => ({ deviceId: d.id, name: d.name, identityKey: d.identityKey, createdAt: d.createdAt, lastSeenAt: d.lastSeenAt, oneTimePreKeys: await storage.countOneTimePreKeys(d.id) }))),
    });
  })

  .put('/:id/prekeys', async (c) => {
    const body = await jsonBody(c, UploadPreKeysRequest);
    const storage = await c.var.storage();
    const device = await storage.getDevice(c.req.param('id'));
    if (!device || device.userId !== c.var.auth.user.id) return errorResponse('not_found', 'no such device of yours', 404);
    if (body.signedPreKey || body.kyberPreKey) {
      await storage.setPreKeys(device.id, {
        signedPreKey: body.signedPreKey ? JSON.stringify(body.signedPreKey) : device.signedPreKey!,
        kyberPreKey: body.kyberPreKey ? JSON.stringify(body.kyberPreKey) : device.kyberPreKey,
      });
    }
    await storage.addOneTimePreKeys(device.id, (body.oneTimePreKeys ?? []).map((k) => ({ keyId: k.id, publicKey: k.publicKey })));
    return c.json({ oneTimePreKeys: await storage.countOneTimePreKeys(device.id) });
  })

  .delete('/:id', async (c) => {
    const storage = await c.var.storage();
    const { user } = c.var.auth;
    const device = await storage.getDevice(c.req.param('id'));
    if (!device || device.userId !== user.id || !(await storage.removeDevice(user.id, device.id))) return errorResponse('not_found', 'no such device of yours', 404);
    // The session that registered it ends too: a removed device signed in still could fetch the
    // account's key backup (and with the recovery code's key in its storage, read the sender keys
    // made after its removal: the simulation found a removed device reading on that way).
    // (Not the caller's own session: removing itself, a device signs out by its own request.)
    if (device.sessionId && device.sessionId !== c.var.auth.session.id) {
      await storage.revokeSession(user.id, device.sessionId, c.var.now());
      await closeSessionSockets(c.env, user.id, [device.sessionId]);
    }
    await removeDeviceFromHub(c.env, user.id, device.id);
    await notifyDevicesChanged(c.env, user.id);
    return c.body(null, 204);
  });

/** What a sender needs of someone else's device: its id and identity key, nothing about the person's hardware or habits. */
function publicDevice(d: Device) {
  return { deviceId: d.id, identityKey: d.identityKey };
}

const noSuchUser = () => errorResponse('not_found', 'no such user', 404);

/** Which of `userIds` the caller may read keys of: themselves, and those they share something with. */
async function readableUsers(env: Env, caller: string, userIds: string[]): Promise<Set<string>> {
  const others = userIds.filter((id) => id !== caller);
  const shared = others.length ? await storageDirectory(env).sharing(caller, others) : new Set<string>();
  return new Set(userIds.filter((id) => id === caller || shared.has(id)));
}

/** One bundle per device of `userId` with a signed prekey; one-time prekeys within the caller's allowances (worker/auth/keyAccess.ts). */
async function claimBundlesOf(storage: Storage, env: Env, caller: string, userId: string, now: number): Promise<ClaimedBundle[]> {
  const [withOneTime, devices] = await Promise.all([mayTakeOneTimePreKeys(env, caller, userId, now), storage.listDevices(userId)]);
  // Each device's one-time prekey is its own row: claimed at once rather than one after another.
  const withKeys = withOneTime ? devices.filter((d) => d.signedPreKey) : [];
  const opks = await Promise.all(withKeys.map(async (d) => [d.id, await storage.claimOneTimePreKey(d.id)] as const));
  return bundlesOf(devices, new Map(opks.flatMap(([id, k]) => (k ? [[id, k] as const] : []))));
}

/** Bundles from devices and the one-time prekeys claimed for them (by device id). */
function bundlesOf(devices: Device[], opks: Map<string, { keyId: number; publicKey: string }>): ClaimedBundle[] {
  return devices
    .filter((d) => d.signedPreKey)
    .map((d): ClaimedBundle => {
      const opk = opks.get(d.id);
      return {
        deviceId: d.id,
        identityKey: d.identityKey,
        signedPreKey: JSON.parse(d.signedPreKey!) as ClaimedBundle['signedPreKey'],
        kyberPreKey: d.kyberPreKey ? (JSON.parse(d.kyberPreKey) as ClaimedBundle['kyberPreKey']) : null,
        oneTimePreKey: opk ? { id: opk.keyId, publicKey: opk.publicKey } : null,
      };
    });
}

/** A batch request's users, without repeats, and which of them the caller may read (issue #21). */
async function batchOf(c: Context<AppEnv>) {
  const { userIds } = await jsonBody(c, BatchUsersRequest);
  const caller = c.var.auth.user.id;
  const wanted = [...new Set(userIds)];
  return { storage: await c.var.storage(), caller, wanted, readable: await readableUsers(c.env, caller, wanted) };
}

export const userKeyRoutes = new Hono<AppEnv>()
  .use('*', requireAuth)

  .get('/by-name/:username', async (c) => {
    const storage = await c.var.storage();
    const user = await storage.getUserByUsername(normalizeUsername(c.req.param('username')));
    if (!user) return noSuchUser();
    return c.json({ id: user.id, username: user.username, displayName: user.displayName, avatarId: user.avatarId, bannerId: user.bannerId, statusText: user.statusText });
  })

  // Batch forms of the two routes below (issue #21): one request for a channel's members instead
  // of one per member. The same rules apply per user; users the caller may not read are left out
  // of the answer (`missing`), exactly as the per-user route answers 404 for them.
  .post('/devices', async (c) => {
    const { storage, wanted, readable } = await batchOf(c);
    const ids = wanted.filter((id) => readable.has(id));
    // Two reads for every user of the batch (issue #21), not two per user.
    const [devices, lists] = await Promise.all([storage.listDevicesOf(ids), storage.getDeviceLists(ids)]);
    const listOf = new Map(lists.map((l) => [l.userId, l]));
    const users = ids.map((id) => {
      const list = listOf.get(id);
      return { userId: id, devices: devices.filter((d) => d.userId === id).map(publicDevice), deviceList: list ? { version: list.version, list: list.list } : null };
    });
    return c.json({ users, missing: wanted.filter((id) => !readable.has(id)) });
  })

  .post('/bundles', async (c) => {
    const { storage, caller, wanted, readable } = await batchOf(c);
    const now = c.var.now();
    // The whole batch in a few reads and one claim statement (issue #21): per user, a 1,000-device
    // channel's first message cost thousands of storage and limiter round trips.
    const ids = wanted.filter((u) => readable.has(u));
    const [withOneTime, devices] = await Promise.all([mayTakeOneTimePreKeysOf(c.env, caller, ids, now), storage.listDevicesOf(ids)]);
    const opks = new Map(await storage.claimOneTimePreKeys(devices.filter((d) => d.signedPreKey && withOneTime.has(d.userId)).map((d) => d.id)));
    const users = ids.map((id) => ({ userId: id, bundles: bundlesOf(devices.filter((d) => d.userId === id), opks) }));
    return c.json({ users, missing: wanted.filter((id) => !readable.has(id)) });
  })

  .get('/:id/devices', async (c) => {
    const storage = await c.var.storage();
    const user = await storage.getUserById(c.req.param('id'));
    if (!user || !(await mayReadKeys(c.env, c.var.auth.user.id, user.id))) return noSuchUser();
    const list = await storage.getDeviceList(user.id);
    return c.json({ devices: (await storage.listDevices(user.id)).map(publicDevice), deviceList: list ? { version: list.version, list: list.list } : null });
  })

  .post('/:id/bundles', async (c) => {
    const storage = await c.var.storage();
    const user = await storage.getUserById(c.req.param('id'));
    const caller = c.var.auth.user.id;
    if (!user || !(await mayReadKeys(c.env, caller, user.id))) return noSuchUser();
    return c.json({ bundles: await claimBundlesOf(storage, c.env, caller, user.id, c.var.now()) });
  })

  .get('/:id/device-list', async (c) => {
    const storage = await c.var.storage();
    if (!(await mayReadKeys(c.env, c.var.auth.user.id, c.req.param('id')))) return noSuchUser();
    const list = await storage.getDeviceList(c.req.param('id'));
    if (!list) return errorResponse('not_found', 'this user has published no device list', 404);
    return c.json({ version: list.version, list: list.list, updatedAt: list.updatedAt });
  });

/**
 * Mounted at /api itself, so the middleware is per route: a `use('*')` here would put every
 * /api path behind authentication, unknown ones included.
 */
export const ownKeyRoutes = new Hono<AppEnv>()
  .put('/device-list', requireAuth, async (c) => {
    const body = await jsonBody(c, PutDeviceListRequest);
    const storage = await c.var.storage();
    const stored = await storage.putDeviceList({ userId: c.var.auth.user.id, version: body.version, list: body.list, updatedAt: c.var.now() });
    if (!stored) return errorResponse('conflict', 'a device list with this or a newer version is already stored', 409);
    await announceDeviceList(c.env, c.var.auth.user.id);
    await notifyDevicesChanged(c.env, c.var.auth.user.id);
    return c.body(null, 204);
  })

  .put('/key-backup', requireAuth, async (c) => {
    if (!/^application\/octet-stream\s*(;|$)/i.test(c.req.header('Content-Type') ?? '')) throw new ApiError('unsupported_media_type', 'send the backup as application/octet-stream');
    const version = Number(c.req.header('X-Backup-Version'));
    if (!Number.isSafeInteger(version) || version < 1) throw new ApiError('validation_failed', 'X-Backup-Version must be a positive integer');
    const bytes = await readBodyCapped(c.req.raw, MAX_KEY_BACKUP_BYTES, 'a key backup');
    if (bytes.byteLength === 0) throw new ApiError('validation_failed', 'the backup is empty');
    const storage = await c.var.storage();
    const userId = c.var.auth.user.id;
    const current = await storage.getKeyBackupMeta(userId);
    if (current && current.version >= version) return errorResponse('conflict', 'a backup with this or a newer version is already stored', 409);
    // Bytes first, then the version: a crash in between leaves the newer bytes under the old
    // version number, which the next upload replaces; never a version without its bytes.
    await blobStore(c.env).put(keyBackupBlob(userId), bytes);
    if (!(await storage.putKeyBackupMeta({ userId, version, size: bytes.byteLength, updatedAt: c.var.now() }))) {
      return errorResponse('conflict', 'a backup with this or a newer version is already stored', 409);
    }
    return c.body(null, 204);
  })

  // Whether a backup exists, without its bytes: a new device asks this before offering to
  // restore, so "no backup yet" is an ordinary answer rather than a 404 in the console.
  .get('/key-backup/status', requireAuth, async (c) => {
    const meta = await (await c.var.storage()).getKeyBackupMeta(c.var.auth.user.id);
    return c.json(meta ? { exists: true, version: meta.version, size: meta.size, updatedAt: meta.updatedAt } : { exists: false });
  })

  .get('/key-backup', requireAuth, async (c) => {
    const storage = await c.var.storage();
    const userId = c.var.auth.user.id;
    const meta = await storage.getKeyBackupMeta(userId);
    const bytes = meta ? await blobStore(c.env).get(keyBackupBlob(userId)) : null;
    if (!meta || !bytes) return errorResponse('not_found', 'no key backup stored', 404);
    return new Response(bytes, { headers: { 'Content-Type': 'application/octet-stream', 'X-Backup-Version': String(meta.version), 'Cache-Control': 'no-store' } });
  });

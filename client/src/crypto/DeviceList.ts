/**
 * The signed list of a user's devices, and who receives a message.
 *
 * Decision: the list is signed by an account key, an Ed25519 key pair created with the account
 * on the first device (not by any one device's identity key). Approving a new device means an
 * existing device (or a device restored from the key backup, which carries the account key) signs
 * a new list with a higher version and hands the account key to the new device over a pairwise
 * session. Losing a phone therefore does not lose the power to manage devices, and the user's
 * safety number is computed over the account key, so it does not change when devices come and go.
 * Every list has a monotonic version: `verifyDeviceList` refuses a list not signed by the pinned
 * account key (`untrusted-device-list`), for another user, or older than (or equal to but
 * different from) the last one seen (`stale-device-list`), so the server can neither add a device
 * silently nor roll back a removal (P12).
 * Encoding: version, kind, user id, list version (u64), issued-at (u64), device count (u16), per
 * device: device id, identity (64), added-at (u64); then a 64-byte Ed25519 signature over
 * framed(DEVICE_LIST_LABEL, everything before it). This file deliberately does not fetch lists
 * or pin the account key (`TrustStore` does).
 */
import type { CryptoProvider } from './CryptoProvider';
import { ED25519_KEY_LENGTH, ED25519_SIGNATURE_LENGTH, X25519_KEY_LENGTH } from './CryptoProvider';
import { CryptoError } from './errors';
import { ByteReader, ByteWriter, Kind, concat, constantTimeEqual, framed, fromUtf8, utf8 } from './encoding';
import { identitiesEqual } from './IdentityKey';
import type { IdentityPublic } from './IdentityKey';
import { generateEd25519KeyPair } from './KeyPair';
import type { Ed25519KeyPair } from './KeyPair';
import type { Rng } from './primitives';

/** Most devices per user: keeps fan-out per message bounded (Signal allows far fewer). */
export const MAX_DEVICES_PER_USER = 32;
/** Longest user or device id in bytes (ids are short opaque strings). */
export const MAX_ID_LENGTH = 256;
/** Domain label of the device-list signature. */
export const DEVICE_LIST_LABEL = 'Chatalot/DeviceList/v1';

/** One device of a user. */
export interface DeviceEntry {
  deviceId: string;
  identity: IdentityPublic;
  addedAt: number;
}

/** A user's device list (unsigned form). */
export interface DeviceList {
  userId: string;
  version: number;
  issuedAt: number;
  devices: DeviceEntry[];
}

/** A device of some user, as a message recipient. */
export interface RecipientDevice extends DeviceEntry {
  userId: string;
}

/** Creates an account key (first device only). */
export function generateAccountKey(provider: CryptoProvider, rng: Rng): Promise<Ed25519KeyPair> {
  return generateEd25519KeyPair(provider, rng);
}

function checkId(id: string): Uint8Array {
  const b = utf8(id);
  if (b.length === 0 || b.length > MAX_ID_LENGTH) throw new CryptoError('malformed', 'encode');
  return b;
}

function encodeBody(list: DeviceList): Uint8Array {
  if (list.devices.length > MAX_DEVICES_PER_USER) throw new CryptoError('malformed', 'encode');
  const w = ByteWriter.withHeader(Kind.DeviceList).var16(checkId(list.userId)).u64(list.version).u64(list.issuedAt).u16(list.devices.length);
  for (const d of list.devices) w.var16(checkId(d.deviceId)).bytes(d.identity.signingKey).bytes(d.identity.agreementKey).u64(d.addedAt);
  return w.finish();
}

/** Signs a device list with the account key; returns the encoded, signed list. */
export async function signDeviceList(provider: CryptoProvider, accountKey: Ed25519KeyPair, list: DeviceList): Promise<Uint8Array> {
  const body = encodeBody(list);
  const sig = await provider.ed25519Sign(accountKey.seed, framed(utf8(DEVICE_LIST_LABEL), body));
  return concat(body, sig);
}

/** Decodes a signed device list without verifying it (use `verifyDeviceList`). */
export function decodeDeviceList(bytes: Uint8Array): { list: DeviceList; body: Uint8Array; signature: Uint8Array } {
  const r = ByteReader.open(bytes, Kind.DeviceList);
  const userIdBytes = r.var16();
  if (userIdBytes.length === 0 || userIdBytes.length > MAX_ID_LENGTH) throw new CryptoError('malformed', 'decode');
  const userId = fromUtf8(userIdBytes);
  const version = r.u64();
  const issuedAt = r.u64();
  const count = r.u16();
  if (count > MAX_DEVICES_PER_USER) throw new CryptoError('malformed', 'decode');
  const devices: DeviceEntry[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < count; i++) {
    const idBytes = r.var16();
    if (idBytes.length === 0 || idBytes.length > MAX_ID_LENGTH) throw new CryptoError('malformed', 'decode');
    const deviceId = fromUtf8(idBytes);
    if (seen.has(deviceId)) throw new CryptoError('malformed', 'decode');
    seen.add(deviceId);
    devices.push({ deviceId, identity: { signingKey: r.bytes(ED25519_KEY_LENGTH), agreementKey: r.bytes(X25519_KEY_LENGTH) }, addedAt: r.u64() });
  }
  const bodyLength = r.position;
  const signature = r.bytes(ED25519_SIGNATURE_LENGTH);
  r.end();
  return { list: { userId, version, issuedAt, devices }, body: bytes.slice(0, bodyLength), signature };
}

/** What a verifier already knows. */
export interface DeviceListExpectation {
  /** The user whose list this must be. */
  userId: string;
  /** The account key pinned for that user (TOFU / safety number). */
  accountKey: Uint8Array;
  /** The last accepted signed list, if any. */
  previous?: Uint8Array;
}

/**
 * Verifies a signed device list against the pinned account key and the last accepted list.
 * Throws `untrusted-device-list` or `stale-device-list`; returns the list on success.
 */
export async function verifyDeviceList(provider: CryptoProvider, bytes: Uint8Array, expect: DeviceListExpectation): Promise<DeviceList> {
  const { list, body, signature } = decodeDeviceList(bytes);
  const ok = await provider.ed25519Verify(expect.accountKey, framed(utf8(DEVICE_LIST_LABEL), body), signature);
  if (!ok || list.userId !== expect.userId) throw new CryptoError('untrusted-device-list', 'verify-device-list');
  if (expect.previous) {
    const prev = decodeDeviceList(expect.previous).list;
    if (list.version < prev.version) throw new CryptoError('stale-device-list', 'verify-device-list');
    if (list.version === prev.version && !constantTimeEqual(bytes, expect.previous)) throw new CryptoError('stale-device-list', 'verify-device-list');
  }
  return list;
}

/** A new (unsigned) list with `entry` added and the version bumped. */
export function addDevice(list: DeviceList, entry: DeviceEntry, now: number): DeviceList {
  if (list.devices.some((d) => d.deviceId === entry.deviceId)) throw new CryptoError('malformed', 'encode');
  if (list.devices.length >= MAX_DEVICES_PER_USER) throw new CryptoError('malformed', 'encode');
  return { ...list, version: list.version + 1, issuedAt: now, devices: [...list.devices, entry] };
}

/** A new (unsigned) list without `deviceId`, version bumped. The caller must also rotate its sender keys. */
export function removeDevice(list: DeviceList, deviceId: string, now: number): DeviceList {
  return { ...list, version: list.version + 1, issuedAt: now, devices: list.devices.filter((d) => d.deviceId !== deviceId) };
}

/** The listed device with this id and identity, or undefined (a session's peer must be listed). */
export function findListedDevice(list: DeviceList, deviceId: string, identity: IdentityPublic): DeviceEntry | undefined {
  return list.devices.find((d) => d.deviceId === deviceId && identitiesEqual(d.identity, identity));
}

/**
 * Every device a message must be encrypted to: all devices of every recipient user and the
 * sender's own other devices (never the sending device itself). Duplicates are removed.
 */
export function recipientDevices(sender: { userId: string; deviceId: string; list: DeviceList }, recipients: DeviceList[]): RecipientDevice[] {
  const out: RecipientDevice[] = [];
  const seen = new Set<string>();
  for (const l of [sender.list, ...recipients]) {
    for (const d of l.devices) {
      if (l.userId === sender.userId && d.deviceId === sender.deviceId) continue;
      const key = JSON.stringify([l.userId, d.deviceId]);
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ ...d, userId: l.userId });
    }
  }
  return out;
}

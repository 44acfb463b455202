/**
 * Schemas for the public halves of device keys, device lists and key backups. The server checks
 * shapes and sizes only: every signature is verified by the clients that use the keys, because
 * the server is not trusted to vouch for them (see client/src/crypto/PreKeyBundle.ts).
 */
import * as v from 'valibot';
import { NameField } from './names';

const b64url = (bytes: number, name: string) => v.pipe(v.string(), v.regex(new RegExp(`^[A-Za-z0-9_-]{${Math.ceil((bytes * 4) / 3)}}$`), `${name} must be ${bytes} bytes as base64url`));
const KeyId = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(2 ** 32 - 1));
const Time = v.pipe(v.number(), v.integer(), v.minValue(0));

/** Most one-time prekeys one upload may carry (a batch is 100). */
export const MAX_ONE_TIME_PREKEYS_PER_UPLOAD = 100;
/** A device name is a label its owner reads in a list, not a description. */
export const MAX_DEVICE_NAME_CHARS = 64;
/** Most devices one account may register. */
export const MAX_DEVICES = 10;
/** Largest signed device list, base64url characters. */
export const MAX_DEVICE_LIST_CHARS = 64 * 1024;
/** Largest encrypted key backup, bytes. */
export const MAX_KEY_BACKUP_BYTES = 16 * 1024 * 1024;

/** The client's versioned encoding of its public identity (Ed25519 and X25519 keys); opaque here. */
export const IdentityKey = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{43,342}$/, "identityKey must be 32–256 bytes as base64url (the client's encoded public identity)"));
export const SignedPreKey = v.strictObject({ id: KeyId, createdAt: Time, publicKey: b64url(32, 'signedPreKey.publicKey'), signature: b64url(64, 'signedPreKey.signature') });
export const KyberPreKey = v.strictObject({ id: KeyId, createdAt: Time, publicKey: b64url(1184, 'kyberPreKey.publicKey'), signature: b64url(64, 'kyberPreKey.signature') });
export const OneTimePreKeyInput = v.strictObject({ id: KeyId, publicKey: b64url(32, 'oneTimePreKeys[].publicKey') });
const OneTimePreKeys = v.pipe(v.array(OneTimePreKeyInput), v.maxLength(MAX_ONE_TIME_PREKEYS_PER_UPLOAD, `at most ${MAX_ONE_TIME_PREKEYS_PER_UPLOAD} one-time prekeys per upload`));

export const RegisterDeviceRequest = v.strictObject({
  name: NameField(MAX_DEVICE_NAME_CHARS),
  identityKey: IdentityKey,
  signedPreKey: SignedPreKey,
  kyberPreKey: v.optional(KyberPreKey),
  oneTimePreKeys: v.optional(OneTimePreKeys),
});

export const UploadPreKeysRequest = v.strictObject({
  signedPreKey: v.optional(SignedPreKey),
  kyberPreKey: v.optional(KyberPreKey),
  oneTimePreKeys: v.optional(OneTimePreKeys),
});

/** Users one batch key-directory request may name: a channel's first message reads every member's devices in one request (issue #21), in pages of this size. */
export const MAX_BATCH_USERS = 256;
const UserIds = v.pipe(
  v.array(v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{1,64}$/, 'userIds[]: ids are 1–64 characters of [A-Za-z0-9_-]'))),
  v.minLength(1, 'name at least one user'),
  v.maxLength(MAX_BATCH_USERS, `at most ${MAX_BATCH_USERS} users per request`),
);
/** `POST /api/users/devices` and `/api/users/bundles`: the same answer as the per-user routes, for many users at once. */
export const BatchUsersRequest = v.strictObject({ userIds: UserIds });

export const PutDeviceListRequest = v.strictObject({
  version: v.pipe(v.number(), v.integer(), v.minValue(1)),
  list: v.pipe(v.string(), v.minLength(1), v.maxLength(MAX_DEVICE_LIST_CHARS), v.regex(/^[A-Za-z0-9_-]+$/, 'list must be base64url')),
});

export type SignedPreKeyJson = v.InferOutput<typeof SignedPreKey>;
export type KyberPreKeyJson = v.InferOutput<typeof KyberPreKey>;

/** One device's bundle as the claim route returns it. */
export interface ClaimedBundle {
  deviceId: string;
  identityKey: string;
  signedPreKey: SignedPreKeyJson;
  kyberPreKey: KyberPreKeyJson | null;
  oneTimePreKey: { id: number; publicKey: string } | null;
}

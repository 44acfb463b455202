/**
 * Web Push as the standards define it, with WebCrypto only (it runs on workerd):
 * - RFC 8188 `aes128gcm` content coding, one record (a push payload is small);
 * - RFC 8291 message encryption to a subscription's P-256 key and auth secret;
 * - RFC 8292 VAPID: an ES256 JWT for the push service's origin, and the public key beside it.
 * tests/push/webPush.test.ts checks the published examples of RFC 8188 §3.1 and RFC 8291
 * Appendix A byte for byte; tests/helpers/pushService.ts decrypts with Node's crypto instead.
 */
import { SignJWT, exportJWK, importPKCS8 } from 'jose';
import { base64url, fromBase64url } from '../auth/secrets';

const enc = new TextEncoder();
/** The record size written in the header; every payload here fits one record. */
export const RECORD_SIZE = 4096;
/** A VAPID token's lifetime: RFC 8292 allows at most 24 hours; 12 leaves room for clock skew. */
const VAPID_TTL_SECONDS = 12 * 60 * 60;

type Bytes = Uint8Array<ArrayBuffer>;
/** A copy on its own ArrayBuffer, as WebCrypto's types want. */
const own = (b: Uint8Array): Bytes => new Uint8Array(b);

function concat(...parts: Uint8Array[]): Bytes {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

async function hkdf(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, bytes: number): Promise<Bytes> {
  const key = await crypto.subtle.importKey('raw', own(ikm), 'HKDF', false, ['deriveBits']);
  return new Uint8Array(await crypto.subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt: own(salt), info: own(info) }, key, bytes * 8));
}

/**
 * RFC 8188 §2: `plaintext` as one record under `ikm`, with `padding` zero bytes after the
 * last-record delimiter, behind the header (salt, record size, key id).
 */
export async function aes128gcmEncode(ikm: Uint8Array, plaintext: Uint8Array, options: { salt?: Uint8Array; keyId?: Uint8Array; padding?: number } = {}): Promise<Bytes> {
  const salt = options.salt ?? crypto.getRandomValues(new Uint8Array(16));
  const keyId = options.keyId ?? new Uint8Array(0);
  if (salt.length !== 16) throw new Error('the salt is 16 bytes');
  if (keyId.length > 255) throw new Error('the key id is at most 255 bytes');
  const record = concat(plaintext, new Uint8Array([2]), new Uint8Array(options.padding ?? 0));
  if (record.length + 16 > RECORD_SIZE) throw new Error(`a push payload is at most ${RECORD_SIZE - 17} bytes with its padding`);
  const cek = await hkdf(ikm, salt, enc.encode('Content-Encoding: aes128gcm\0'), 16);
  const nonce = await hkdf(ikm, salt, enc.encode('Content-Encoding: nonce\0'), 12);
  const key = await crypto.subtle.importKey('raw', cek, 'AES-GCM', false, ['encrypt']);
  const sealed = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv: nonce }, key, record));
  const header = new Uint8Array(21);
  header.set(salt, 0);
  new DataView(header.buffer).setUint32(16, RECORD_SIZE);
  header[20] = keyId.length;
  return concat(header, keyId, sealed);
}

/** A subscription's keys, as PushSubscription.toJSON() gives them. */
export interface SubscriptionKeys {
  p256dh: string;
  auth: string;
}

/**
 * RFC 8291 §3.4: encrypts `plaintext` to a subscription. A fresh ECDH key pair and salt each
 * time; tests pass fixed ones to reproduce the RFC's example.
 */
export async function encryptPushPayload(
  plaintext: Uint8Array,
  keys: SubscriptionKeys,
  options: { padding?: number; salt?: Uint8Array; serverKeys?: CryptoKeyPair } = {},
): Promise<Bytes> {
  const uaPublic = fromBase64url(keys.p256dh);
  const authSecret = fromBase64url(keys.auth);
  if (uaPublic.length !== 65 || uaPublic[0] !== 4) throw new Error('p256dh is not an uncompressed P-256 point');
  if (authSecret.length !== 16) throw new Error('auth is not 16 bytes');
  const ua = await crypto.subtle.importKey('raw', own(uaPublic), { name: 'ECDH', namedCurve: 'P-256' }, false, []);
  const as = options.serverKeys ?? ((await crypto.subtle.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, true, ['deriveBits'])) as CryptoKeyPair);
  const asPublic = new Uint8Array((await crypto.subtle.exportKey('raw', as.publicKey)) as ArrayBuffer);
  const shared = new Uint8Array(await crypto.subtle.deriveBits({ name: 'ECDH', public: ua }, as.privateKey, 256));
  const ikm = await hkdf(shared, authSecret, concat(enc.encode('WebPush: info\0'), uaPublic, asPublic), 32);
  return aes128gcmEncode(ikm, plaintext, { salt: options.salt, keyId: asPublic, padding: options.padding });
}

/** The instance's VAPID key pair: the private key signs, the public key (65 bytes, base64url) is what browsers subscribe with. */
export interface VapidKeys {
  privateKey: CryptoKey;
  publicKey: string;
  /** RFC 8292 `sub`: a mailto: or https: contact for the push service's operator, when configured. */
  subject?: string;
}

/** Reads a PKCS#8 PEM P-256 private key (VAPID_PRIVATE_KEY) and derives its public key. */
export async function importVapidKeys(pem: string, subject?: string): Promise<VapidKeys> {
  const extractable = await importPKCS8(pem, 'ES256', { extractable: true });
  const jwk = await exportJWK(extractable);
  if (jwk.crv !== 'P-256' || !jwk.x || !jwk.y) throw new Error('VAPID_PRIVATE_KEY is not a P-256 key');
  const publicKey = base64url(concat(new Uint8Array([4]), fromBase64url(jwk.x), fromBase64url(jwk.y)));
  return { privateKey: await importPKCS8(pem, 'ES256'), publicKey, subject };
}

/** RFC 8292 §3: the Authorization header value for a push to `endpoint`. */
export async function vapidAuthorization(vapid: VapidKeys, endpoint: string, nowSeconds = Math.floor(Date.now() / 1000)): Promise<string> {
  const claims: Record<string, string> = {};
  if (vapid.subject) claims.sub = vapid.subject;
  const jwt = await new SignJWT(claims)
    .setProtectedHeader({ typ: 'JWT', alg: 'ES256' })
    .setAudience(new URL(endpoint).origin)
    .setExpirationTime(nowSeconds + VAPID_TTL_SECONDS)
    .sign(vapid.privateKey);
  return `vapid t=${jwt}, k=${vapid.publicKey}`;
}

/** What one push request is: where, with which headers and body (sent by PushNotifier). */
export interface PushRequest {
  endpoint: string;
  headers: Record<string, string>;
  body: Bytes;
}

/**
 * A complete push request (RFC 8030 §5): the encrypted payload, its TTL and urgency, and a Topic
 * so the push service replaces an undelivered push of the same conversation instead of queueing
 * both. The topic is a keyed digest of the conversation, so the push service never sees its id.
 */
export async function pushRequest(
  vapid: VapidKeys,
  subscription: { endpoint: string } & SubscriptionKeys,
  payload: Uint8Array,
  options: { ttlSeconds: number; urgency: 'very-low' | 'low' | 'normal' | 'high'; topic?: string; padTo?: number },
): Promise<PushRequest> {
  const padding = Math.max(0, (options.padTo ?? 0) - payload.length);
  const body = await encryptPushPayload(payload, subscription, { padding });
  const headers: Record<string, string> = {
    Authorization: await vapidAuthorization(vapid, subscription.endpoint),
    'Content-Encoding': 'aes128gcm',
    'Content-Type': 'application/octet-stream',
    TTL: String(options.ttlSeconds),
    Urgency: options.urgency,
  };
  if (options.topic) {
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', concat(fromBase64url(subscription.auth), enc.encode(options.topic))));
    headers.Topic = base64url(digest.subarray(0, 24)); // 32 characters, the most RFC 8030 §5.4 allows
  }
  return { endpoint: subscription.endpoint, headers, body };
}

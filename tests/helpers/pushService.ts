/**
 * A push service for the tests (issue #17 item 2), speaking RFC 8030 as a browser vendor's does:
 * POST /push/{id} with an RFC 8291 `aes128gcm` body and a VAPID (RFC 8292) Authorization header.
 * It checks what a real one checks — the JWT's ES256 signature against the `k=` key, `aud` equal
 * to its own origin, `exp` in the future and at most 24 hours away, the TTL and Content-Encoding
 * headers — and then, playing the browser, decrypts the payload with the subscription's private
 * key. The decryption here is written with Node's crypto, independently of worker/push/webPush.ts.
 *
 * Subscriptions are made by `subscribe()`: a P-256 key pair and an auth secret, as a browser's
 * PushManager makes them. A subscription can be set to answer 410 Gone (expired) or any status.
 * Listens on 127.0.0.2, the test instance's only reachable loopback address (selfhost/config.capnp).
 */
import { createECDH, createDecipheriv, createPublicKey, hkdfSync, randomBytes, verify, type ECDH } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  subscription: string;
  at: number;
  headers: Record<string, string>;
  /** The decrypted payload, padding removed. */
  payload: string;
  /** The whole decrypted record before the padding was removed (its length shows the padding). */
  recordLength: number;
  claims: Record<string, unknown>;
  /** The VAPID public key the request named. */
  vapidKey: string;
}

export interface FakeSubscription {
  id: string;
  endpoint: string;
  keys: { p256dh: string; auth: string };
  ecdh: ECDH;
  /** What the service answers for this subscription (201 unless set). */
  status: number;
}

/** RFC 8188 decoding of a whole body (any number of records), with key derivation per RFC 8291 §3.4. */
export function decryptPush(body: Buffer, ecdh: ECDH, auth: Buffer): { plaintext: Buffer; recordLength: number } {
  const uaPublic = ecdh.getPublicKey();
  const salt = body.subarray(0, 16);
  const rs = body.readUInt32BE(16);
  const idlen = body[20]!;
  const asPublic = body.subarray(21, 21 + idlen);
  const shared = ecdh.computeSecret(asPublic);
  const ikm = Buffer.from(hkdfSync('sha256', shared, auth, Buffer.concat([Buffer.from('WebPush: info\0'), uaPublic, asPublic]), 32));
  return decodeAes128gcm(body, ikm, rs, 21 + idlen, salt);
}

/** RFC 8188 §2 decoding with input keying material `ikm` (exported for the RFC 8188 vectors). */
export function decodeAes128gcm(body: Buffer, ikm: Buffer, rs = body.readUInt32BE(16), start = 21 + body[20]!, salt = body.subarray(0, 16)): { plaintext: Buffer; recordLength: number } {
  const cek = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16));
  const nonceBase = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12));
  const out: Buffer[] = [];
  let recordLength = 0;
  for (let at = start, seq = 0; at < body.length; at += rs, seq++) {
    const record = body.subarray(at, Math.min(at + rs, body.length));
    const nonce = Buffer.from(nonceBase);
    nonce.writeUInt32BE((nonce.readUInt32BE(8) ^ seq) >>> 0, 8);
    const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
    decipher.setAuthTag(record.subarray(record.length - 16));
    const plain = Buffer.concat([decipher.update(record.subarray(0, record.length - 16)), decipher.final()]);
    recordLength += plain.length;
    let end = plain.length - 1;
    while (end >= 0 && plain[end] === 0) end--;
    const delimiter = plain[end];
    const last = at + rs >= body.length;
    if (delimiter !== (last ? 2 : 1)) throw new Error(`record ${seq}: bad delimiter ${delimiter}`);
    out.push(plain.subarray(0, end));
  }
  return { plaintext: Buffer.concat(out), recordLength };
}

function b64urlJson(part: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** Checks a VAPID Authorization header (RFC 8292 §3) for `origin`; returns its claims and key, or throws why not. */
export function checkVapid(header: string | undefined, origin: string, now = Date.now() / 1000): { claims: Record<string, unknown>; key: string } {
  const m = /^vapid t=([\w-]+\.[\w-]+\.[\w-]+), k=([\w-]+)$/.exec(header ?? '');
  if (!m) throw new Error(`not a vapid Authorization header: ${header}`);
  const [h, c, s] = m[1]!.split('.') as [string, string, string];
  const head = b64urlJson(h);
  if (head.alg !== 'ES256' || head.typ !== 'JWT') throw new Error(`JWT header ${JSON.stringify(head)}`);
  const point = Buffer.from(m[2]!, 'base64url');
  if (point.length !== 65 || point[0] !== 4) throw new Error('k is not an uncompressed P-256 point');
  const key = createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: point.subarray(1, 33).toString('base64url'), y: point.subarray(33).toString('base64url') }, format: 'jwk' });
  if (!verify('sha256', Buffer.from(`${h}.${c}`), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(s, 'base64url'))) throw new Error('VAPID signature does not verify');
  const claims = b64urlJson(c);
  if (claims.aud !== origin) throw new Error(`aud ${String(claims.aud)} is not ${origin}`);
  const exp = Number(claims.exp);
  if (!(exp > now) || exp > now + 24 * 3600) throw new Error(`exp ${exp} is not within 24 hours of now`);
  return { claims, key: m[2]! };
}

export async function fakePushService(): Promise<{
  server: Server;
  origin: string;
  received: Received[];
  refused: { subscription: string; reason: string }[];
  subscribe(): FakeSubscription;
  close(): Promise<void>;
}> {
  const subscriptions = new Map<string, FakeSubscription>();
  const received: Received[] = [];
  const refused: { subscription: string; reason: string }[] = [];
  let origin = '';
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const id = /^\/push\/([\w-]+)$/.exec(req.url ?? '')?.[1] ?? '';
      const sub = subscriptions.get(id);
      const refuse = (status: number, reason: string) => {
        refused.push({ subscription: id, reason });
        res.writeHead(status, { 'Content-Type': 'text/plain' }).end(reason);
      };
      if (req.method !== 'POST') return refuse(405, 'POST only');
      if (!sub) return refuse(404, 'no such subscription');
      if (sub.status !== 201) return refuse(sub.status, `set to answer ${sub.status}`);
      try {
        const { claims, key } = checkVapid(req.headers.authorization, origin);
        if (req.headers['content-encoding'] !== 'aes128gcm') throw new Error(`Content-Encoding ${req.headers['content-encoding']}`);
        if (!/^\d+$/.test(String(req.headers.ttl ?? ''))) throw new Error('no TTL header');
        const body = Buffer.concat(chunks);
        const { plaintext, recordLength } = decryptPush(body, sub.ecdh, Buffer.from(sub.keys.auth, 'base64url'));
        received.push({ subscription: id, at: Date.now(), headers: req.headers as Record<string, string>, payload: plaintext.toString('utf8'), recordLength, claims, vapidKey: key });
        res.writeHead(201, { Location: `${origin}/message/${received.length}` }).end();
      } catch (e) {
        refuse(400, e instanceof Error ? e.message : String(e));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.2', resolve));
  origin = `http://127.0.0.2:${(server.address() as AddressInfo).port}`;
  return {
    server,
    origin,
    received,
    refused,
    subscribe() {
      const ecdh = createECDH('prime256v1');
      ecdh.generateKeys();
      const id = randomBytes(12).toString('base64url');
      const sub: FakeSubscription = { id, endpoint: `${origin}/push/${id}`, keys: { p256dh: ecdh.getPublicKey().toString('base64url'), auth: randomBytes(16).toString('base64url') }, ecdh, status: 201 };
      subscriptions.set(id, sub);
      return sub;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

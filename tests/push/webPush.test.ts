/**
 * Issue #17 item 2: the Web Push crypto against its published examples (tests/vectors/
 * webpush_vectors.json): RFC 8188 §3.1 and RFC 8291 Appendix A reproduced byte for byte by
 * worker/push/webPush.ts, RFC 8188 §3.2 (two records, a key id) decoded by the test push
 * service's own decoder, and a VAPID token that the test push service accepts.
 */
import { createECDH, generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { aes128gcmEncode, encryptPushPayload, importVapidKeys, pushRequest, vapidAuthorization } from '../../worker/push/webPush';
import { checkVapid, decodeAes128gcm, decryptPush } from '../helpers/pushService';

const vectors = JSON.parse(readFileSync(new URL('../vectors/webpush_vectors.json', import.meta.url), 'utf8'));
const b = (s: string) => Buffer.from(s, 'base64url');

describe('Web Push crypto', () => {
  it('17.2: RFC 8188 §3.1 is reproduced exactly', async () => {
    const v = vectors.rfc8188_3_1;
    const out = await aes128gcmEncode(b(v.ikm), Buffer.from(v.plaintext), { salt: b(v.salt) });
    expect(Buffer.from(out).toString('base64url')).toBe(v.encoded);
  });

  it('17.2: RFC 8188 §3.2 (two records, key id "a1") decodes to its plaintext', () => {
    const v = vectors.rfc8188_3_2;
    const body = b(v.encoded);
    expect(body.readUInt32BE(16)).toBe(v.rs);
    expect(body.subarray(21, 21 + body[20]!).toString()).toBe(v.keyid);
    expect(decodeAes128gcm(body, b(v.ikm)).plaintext.toString()).toBe(v.plaintext);
  });

  it('17.2: RFC 8291 Appendix A is reproduced exactly, and the browser side decrypts it', async () => {
    const v = vectors.rfc8291_appendix_a;
    const asPublic = b(v.as_public);
    const jwk = { kty: 'EC', crv: 'P-256', d: v.as_private, x: asPublic.subarray(1, 33).toString('base64url'), y: asPublic.subarray(33).toString('base64url') };
    const serverKeys = {
      privateKey: await crypto.subtle.importKey('jwk', jwk, { name: 'ECDH', namedCurve: 'P-256' }, false, ['deriveBits']),
      publicKey: await crypto.subtle.importKey('raw', asPublic, { name: 'ECDH', namedCurve: 'P-256' }, true, []),
    };
    const out = await encryptPushPayload(Buffer.from(v.plaintext), { p256dh: v.ua_public, auth: v.auth_secret }, { salt: b(v.salt), serverKeys });
    expect(Buffer.from(out).toString('base64url')).toBe(v.encoded);

    const ua = createECDH('prime256v1');
    ua.setPrivateKey(b(v.ua_private));
    expect(ua.getPublicKey().toString('base64url')).toBe(v.ua_public);
    expect(decryptPush(b(v.encoded), ua, b(v.auth_secret)).plaintext.toString()).toBe(v.plaintext);
  });

  it('17.2 W2: a push request carries a VAPID token the push service accepts, a padded payload and a topic that hides the conversation', async () => {
    const pem = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const vapid = await importVapidKeys(pem, 'mailto:admin@example.org');
    const ua = createECDH('prime256v1');
    ua.generateKeys();
    const sub = { endpoint: 'https://push.example.net/send/abc', p256dh: ua.getPublicKey().toString('base64url'), auth: randomBytes(16).toString('base64url') };
    const payload = new TextEncoder().encode('{"v":1}');
    const req = await pushRequest(vapid, sub, payload, { ttlSeconds: 60, urgency: 'high', topic: 'channel-id-secret', padTo: 256 });
    const { claims, key } = checkVapid(req.headers.Authorization, 'https://push.example.net');
    expect(key).toBe(vapid.publicKey);
    expect(claims.sub).toBe('mailto:admin@example.org');
    expect(req.headers.TTL).toBe('60');
    expect(req.headers.Urgency).toBe('high');
    expect(req.headers.Topic).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(req.headers.Topic).not.toContain('channel');
    const opened = decryptPush(Buffer.from(req.body), ua, b(sub.auth));
    expect(opened.plaintext.toString()).toBe('{"v":1}');
    expect(opened.recordLength).toBe(257); // 256 bytes plus the delimiter, whatever the payload
    // A token for another origin is refused.
    expect(() => checkVapid(req.headers.Authorization, 'https://other.example')).toThrow(/aud/);
    const tampered = (await vapidAuthorization(vapid, sub.endpoint)).replace(/k=[\w-]+$/, `k=${ua.getPublicKey().toString('base64url')}`);
    expect(() => checkVapid(tampered, 'https://push.example.net')).toThrow(/signature/);
  });
});

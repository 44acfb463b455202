/**
 * Access tokens: Ed25519-signed JWTs (jose, `alg: EdDSA`) that live 15 minutes and name the
 * user (`sub`) and the session (`sid`). Verification uses the public key only, accepts EdDSA
 * only (so `alg: none` and HS256-with-the-public-key fail), requires every claim we rely on
 * (jose accepts a token with no `exp` unless told to require it), and allows 30 s of skew.
 * It does not check whether the session is still live; the auth middleware does that.
 */
import { SignJWT, calculateJwkThumbprint, exportJWK, importPKCS8, importSPKI, jwtVerify, type CryptoKey } from 'jose';
import type { InstanceRole } from '../storage/Storage';

/** Lifetime of an access token. */
export const ACCESS_TOKEN_SECONDS = 15 * 60;
/** Clock skew tolerated between issuer and verifier (SECURITY-TESTS A2). */
export const CLOCK_SKEW_SECONDS = 30;
export const ISSUER = 'chatalot';
export const AUDIENCE = 'chatalot-api';

export interface AccessClaims {
  sub: string;
  sid: string;
  role: InstanceRole;
  /** Expiry, seconds since the epoch (set by verification). */
  exp: number;
}

export interface TokenKeys {
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  kid: string;
}

let cached: { source: string; keys: Promise<TokenKeys> } | undefined;

/** Imports the PEM key pair once per isolate; the key id is the public key's JWK thumbprint. */
export function tokenKeys(privatePem: string | undefined, publicPem: string | undefined): Promise<TokenKeys> {
  if (!privatePem || !publicPem) throw new Error('JWT_PRIVATE_KEY and JWT_PUBLIC_KEY are not configured');
  const source = privatePem + publicPem;
  if (cached?.source !== source) {
    cached = {
      source,
      keys: (async () => {
        const privateKey = await importPKCS8(privatePem, 'EdDSA');
        const publicKey = await importSPKI(publicPem, 'EdDSA', { extractable: true });
        const kid = await calculateJwkThumbprint(await exportJWK(publicKey));
        return { privateKey, publicKey, kid };
      })(),
    };
  }
  return cached.keys;
}

export async function signAccessToken(keys: TokenKeys, claims: Omit<AccessClaims, 'exp'>, nowMs: number): Promise<string> {
  const iat = Math.floor(nowMs / 1000);
  return new SignJWT({ sid: claims.sid, role: claims.role })
    .setProtectedHeader({ alg: 'EdDSA', typ: 'JWT', kid: keys.kid })
    .setSubject(claims.sub)
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt(iat)
    .setNotBefore(iat)
    .setExpirationTime(iat + ACCESS_TOKEN_SECONDS)
    .sign(keys.privateKey);
}

/** Verifies an access token; null for any failure (the caller answers 401 without detail). */
export async function verifyAccessToken(keys: TokenKeys, token: string, nowMs: number): Promise<AccessClaims | null> {
  try {
    const { payload, protectedHeader } = await jwtVerify(token, keys.publicKey, {
      algorithms: ['EdDSA'],
      issuer: ISSUER,
      audience: AUDIENCE,
      requiredClaims: ['exp', 'iat', 'nbf', 'sub', 'sid'],
      clockTolerance: CLOCK_SKEW_SECONDS,
      currentDate: new Date(nowMs),
      typ: 'JWT',
    });
    // The key is fixed by configuration, never by the token: refuse headers that try to name one.
    if (protectedHeader.kid !== keys.kid || 'jwk' in protectedHeader || 'jku' in protectedHeader || 'x5u' in protectedHeader || 'x5c' in protectedHeader) return null;
    const { sub, sid, role, exp } = payload as { sub?: unknown; sid?: unknown; role?: unknown; exp?: unknown };
    if (typeof sub !== 'string' || typeof sid !== 'string' || typeof exp !== 'number') return null;
    const r: InstanceRole = role === 'owner' || role === 'admin' ? role : 'user';
    return { sub, sid, role: r, exp };
  } catch {
    return null;
  }
}

/**
 * Where passwords are hashed: in the hasher process when the server has one (HASHER and
 * HASHER_SECRET, self-hosted by `npm start`; see worker/hasher/index.ts for why), otherwise in
 * this isolate (worker/auth/passwords.ts, one hash at a time with a bounded queue). The routes
 * call these two functions and never the Argon2 code directly.
 *
 * On Cloudflare there is no hasher binding: each request may run on its own isolate and machine,
 * and the in-isolate bound is what protects the 128 MB isolate limit (SECURITY-TESTS R8).
 */
import { ApiError } from '../../protocol/errors';
import type { Env } from '../env';
import { hashPassword, MAX_PASSWORD_LENGTH, verifyPassword } from './passwords';
import { metrics } from '../observability/metrics';

/** Largest request the hasher reads: a password of MAX_PASSWORD_LENGTH UTF-8 characters and a PHC string fit well inside. */
export const HASHER_MAX_BODY_BYTES = MAX_PASSWORD_LENGTH * 4 + 1024;

export type HashRequest = { op: 'hash'; password: string } | { op: 'verify'; password: string; phc: string };
export type HashResponse = { phc: string } | { ok: boolean };

/** Whether this server hands hashing to the hasher process. */
export function hasHasher(env: Env): boolean {
  return env.HASHER !== undefined && !!env.HASHER_SECRET;
}

async function viaHasher(env: Env, request: HashRequest): Promise<HashResponse> {
  const send = () => env.HASHER!.fetch('http://hasher/', { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Hasher-Secret': env.HASHER_SECRET! }, body: JSON.stringify(request) });
  let res: Response;
  try {
    res = await send();
  } catch {
    // A pooled connection the hasher closed as idle just as this request went out fails at
    // once (workerd closes idle keep-alive connections after a few seconds). Both operations are
    // safe to repeat, so one retry on a fresh connection tells that apart from a hasher that is gone.
    try {
      res = await send();
    } catch {
      throw new ApiError('unavailable', 'the password service is not answering; try again in a moment');
    }
  }
  if (res.status === 503) throw new ApiError('rate_limited', 'the server is busy checking passwords; try again in a moment');
  if (!res.ok) throw new ApiError('unavailable', `the password service failed (${res.status}); try again in a moment`);
  return (await res.json()) as HashResponse;
}

/** Counts a hash or check as waiting or running (the metrics' Argon2 queue depth) while it lasts. */
async function queued<T>(work: () => Promise<T>): Promise<T> {
  metrics.argon2InFlight.add(1);
  try {
    return await work();
  } finally {
    metrics.argon2InFlight.add(-1);
  }
}

/** Hashes a new password with the current parameters. */
export function hashPasswordFor(env: Env, password: string): Promise<string> {
  return queued(async () => {
    if (!hasHasher(env)) return hashPassword(password);
    return ((await viaHasher(env, { op: 'hash', password })) as { phc: string }).phc;
  });
}

/** Checks a password against a stored PHC string. */
export function verifyPasswordFor(env: Env, password: string, phc: string): Promise<boolean> {
  return queued(async () => {
    if (!hasHasher(env)) return verifyPassword(password, phc);
    return ((await viaHasher(env, { op: 'verify', password, phc })) as { ok: boolean }).ok;
  });
}

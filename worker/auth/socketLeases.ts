/**
 * Caps on open WebSockets (channel and hub sockets together) per account and per client IP
 * (hardening #11.2, SECURITY-TESTS D3): one account held 317 concurrent sockets, each able to
 * buffer frames in the server. Every upgrade takes a lease from the rate limiter object of its
 * IP and of its account; the room or hub that holds the socket gives both back when it closes.
 *
 * A lease lapses at the socket's token expiry (when the socket would be closed anyway), so a
 * release lost to a crash frees itself within one token lifetime.
 */
import type { Env } from '../env';
import { rateFrom } from '../middleware/rateLimit';
import { newId } from './secrets';

/** Sockets one account may hold open: 10 devices, each with a hub socket and an open conversation, and room for a few tabs. */
export const DEFAULT_MAX_SOCKETS_PER_ACCOUNT = 32;
/** Sockets one client IP may hold open: a household or office behind one address, all signed in at once. */
export const DEFAULT_MAX_SOCKETS_PER_IP = 256;

/** What a socket's holder needs to give its leases back. */
export interface SocketLease {
  id: string;
  ip: string;
  userId: string;
}

function limiter(env: Env, key: string) {
  const ns = env.RATE_LIMITER!;
  return ns.get(ns.idFromName(key));
}

/** Takes a lease for a new socket, or says which cap it would pass. */
export async function acquireSocketLease(env: Env, ip: string, userId: string, expiresAt: number, now: number): Promise<SocketLease | { refused: string }> {
  const id = newId();
  if (!env.RATE_LIMITER) return { id, ip, userId };
  const perAccount = rateFrom(env.MAX_SOCKETS_PER_ACCOUNT, DEFAULT_MAX_SOCKETS_PER_ACCOUNT);
  const perIp = rateFrom(env.MAX_SOCKETS_PER_IP, DEFAULT_MAX_SOCKETS_PER_IP);
  // Both caps at once (a socket upgrade waits for these): whichever held is given back if the other refused.
  const [account, address] = await Promise.all([limiter(env, `user:${userId}`).acquire(id, perAccount, expiresAt, now), limiter(env, `ip:${ip}`).acquire(id, perIp, expiresAt, now)]);
  if (account && address) return { id, ip, userId };
  if (account) await limiter(env, `user:${userId}`).release(id);
  if (address) await limiter(env, `ip:${ip}`).release(id);
  return { refused: account ? `this address already has ${perIp} open connections` : `this account already has ${perAccount} open connections; close some tabs or devices` };
}

/** Gives a closed socket's leases back. */
export async function releaseSocketLease(env: Env, lease: SocketLease): Promise<void> {
  if (!env.RATE_LIMITER) return;
  await Promise.all([limiter(env, `user:${lease.userId}`).release(lease.id), limiter(env, `ip:${lease.ip}`).release(lease.id)]);
}

/** The headers that hand a lease to the object holding the socket. */
export function leaseHeaders(headers: Headers, lease: SocketLease): void {
  headers.set('X-Chatalot-Lease', lease.id);
  headers.set('X-Chatalot-Ip', lease.ip);
}

/** The lease an object was handed, if any. */
export function leaseFrom(headers: Headers, userId: string): SocketLease | undefined {
  const id = headers.get('X-Chatalot-Lease');
  const ip = headers.get('X-Chatalot-Ip');
  return id && ip ? { id, ip, userId } : undefined;
}

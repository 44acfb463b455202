/**
 * ICE servers for calls (issue #14): the configured STUN servers, and TURN servers with
 * short-lived credentials by the TURN REST convention (draft-uberti-behave-turn-rest, the scheme
 * of coturn's `use-auth-secret`): username `<expiry unix seconds>:<userId>`, credential the
 * base64 HMAC-SHA1 of the username under the shared secret. The TURN server checks the HMAC and
 * the expiry itself; nothing is stored here.
 */
import type { Env } from '../env';

export interface IceServer {
  urls: string[];
  username?: string;
  credential?: string;
}

const DEFAULT_TTL_SECONDS = 3600;

const list = (value: string | undefined) => (value ?? '').split(',').map((u) => u.trim()).filter(Boolean);

/** The HMAC-SHA1 credential of `username` under `secret`, base64. */
export async function turnCredential(secret: string, username: string): Promise<string> {
  const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-1' }, false, ['sign']);
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(username)));
  return btoa(String.fromCharCode(...mac));
}

/** What a member about to join a call is given; `expiresAt` (ms) is when the TURN credentials stop working. */
export async function iceServers(env: Env, userId: string, now: number): Promise<{ iceServers: IceServer[]; expiresAt: number | null }> {
  const servers: IceServer[] = [];
  const stun = list(env.STUN_URLS);
  if (stun.length > 0) servers.push({ urls: stun });
  const turn = list(env.TURN_URLS);
  if (turn.length === 0 || !env.TURN_SECRET) return { iceServers: servers, expiresAt: null };
  const ttl = Number(env.TURN_TTL_SECONDS) || DEFAULT_TTL_SECONDS;
  const expiry = Math.floor(now / 1000) + ttl;
  const username = `${expiry}:${userId}`;
  servers.push({ urls: turn, username, credential: await turnCredential(env.TURN_SECRET, username) });
  return { iceServers: servers, expiresAt: expiry * 1000 };
}

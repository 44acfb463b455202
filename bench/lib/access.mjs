/**
 * What a bench member needs to join a chatalot channel: an account, a channel it may read and
 * write, and the access token that goes in `Sec-WebSocket-Protocol: chatalot.v1, bearer.<jwt>`.
 *
 * It uses the public API only: it registers one account (the first account of a fresh server is
 * always allowed and becomes its owner) and creates a community, whose first channel is the bench
 * channel. Every bench socket then joins as that one user, like one person with many devices: the
 * room fans out per socket, so the relay's cost is the same as with N users, and the bench avoids
 * N Argon2id registrations. It does not refresh tokens; a bench phase is far shorter than their
 * lifetime.
 */
import { randomBytes } from 'node:crypto';

const SUBPROTOCOL = 'chatalot.v1';
/** chatalot.v2: envelopes that queue up for a socket may come as one `envelopes` frame (what the web client offers). */
const SUBPROTOCOL_BATCHED = 'chatalot.v2';

/**
 * One JSON call to the public API; throws on an error answer. `retries` times it waits and asks
 * again when the server is busy (429, or 503 while the password hasher's queue is full).
 */
export async function api(baseUrl, method, path, body, token, retries = 0) {
  for (let attempt = 0; ; attempt++) {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    if ((res.status === 429 || res.status === 503) && attempt < retries) {
      await new Promise((r) => setTimeout(r, 500 * (attempt + 1)));
      continue;
    }
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
    try {
      return text ? JSON.parse(text) : null;
    } catch {
      return null; // not JSON
    }
  }
}

/**
 * Registers the bench owner on a fresh chatalot server and returns `{ channelId, protocols }`.
 * The sockets offer chatalot.v2 as the web client does, unless `batched` is false (an older
 * client: one frame per envelope).
 */
export async function chatalotAccess(baseUrl, { batched = true } = {}) {
  const username = `bench_${randomBytes(4).toString('hex')}`;
  const password = randomBytes(18).toString('base64url');
  const reg = await api(baseUrl, 'POST', '/api/auth/register', { acceptTerms: 1, username, password, recoveryVerifier: randomBytes(32).toString('base64url') });
  const token = reg.accessToken;
  let created;
  try {
    created = await api(baseUrl, 'POST', '/api/communities', { name: 'Fan-out bench' }, token);
  } catch (e) {
    if (/: 404 /.test(e.message)) throw new Error('this server has no POST /api/communities yet, so the bench cannot get a channel its token may join');
    throw e;
  }
  const channelId = created.channels[0].id;
  return { channelId, protocols: [...(batched ? [SUBPROTOCOL_BATCHED] : []), SUBPROTOCOL, `bearer.${token}`], userId: reg.user?.id };
}

/** The same shape for the ws baseline, which checks nothing: a made-up token of similar length. */
export function baselineAccess(n) {
  return { channelId: `fanout-${n}-${Date.now().toString(36)}`, protocols: [SUBPROTOCOL, `bearer.${'x'.repeat(300)}`] };
}

/**
 * The password hasher: a worker of its own that does nothing but Argon2id, run in its own
 * workerd process next to the server (selfhost/hasher.capnp, started by selfhost/start.mjs).
 *
 * Argon2id (64 MiB, t=3, p=4) holds a JavaScript thread for about a quarter of a second, and
 * workerd serves every isolate of a process on one thread: hashed in the server itself, five
 * wrong passwords a second (within the auth rate limit) raised every member's socket ping from
 * 3 ms to about 900 ms (hardening #11.3). In a process of its own the hash waits only for other
 * hashes; sockets and ordinary requests never wait behind it.
 *
 * It answers only callers that present the shared secret start.mjs generated for this run, and
 * keeps the server's own bound: one hash at a time, MAX_QUEUED_HASHES waiting, 503 past that. It
 * stores nothing and logs nothing; passwords reach it over loopback only.
 */
import { ApiError } from '../../protocol/errors';
import { readBodyCapped } from '../middleware/jsonBody';
import { equalBytes } from '../auth/secrets';
import { hashPassword, MAX_QUEUED_HASHES, verifyPassword } from '../auth/passwords';
import { HASHER_MAX_BODY_BYTES, type HashRequest, type HashResponse } from '../auth/hashing';

interface HasherEnv {
  HASHER_SECRET?: string;
}

const json = (body: unknown, status = 200) => Response.json(body, { status, headers: { 'Cache-Control': 'no-store' } });

/**
 * Requests inside the hasher at once, the one hashing included. The hash holds the thread, so
 * requests arriving meanwhile never reach the in-isolate queue's counter while it runs; they are
 * counted here instead, as they enter, and past the bound answered 503 at once, so a flood from
 * many addresses gets quick refusals rather than an ever longer wait for everyone.
 */
let inFlight = 0;
/** One hashing and MAX_QUEUED_HASHES waiting, as in the in-isolate bound. */
const MAX_IN_FLIGHT = MAX_QUEUED_HASHES + 1;

export default {
  async fetch(request: Request, env: HasherEnv): Promise<Response> {
    const secret = env.HASHER_SECRET ?? '';
    const presented = request.headers.get('X-Hasher-Secret') ?? '';
    const enc = new TextEncoder();
    if (!secret || presented.length !== secret.length || !equalBytes(enc.encode(presented), enc.encode(secret))) {
      return json({ error: { code: 'unauthorized', message: 'wrong hasher secret' } }, 401);
    }
    if (request.method !== 'POST' || new URL(request.url).pathname !== '/') return json({ error: { code: 'not_found', message: 'POST / only' } }, 404);
    if (inFlight >= MAX_IN_FLIGHT) return json({ error: { code: 'busy', message: 'too many passwords waiting to be checked' } }, 503);
    inFlight++;
    try {
      return await answer(request);
    } finally {
      inFlight--;
    }
  },
};

/** Reads one hash request and answers it (the gate above has let it in). */
async function answer(request: Request): Promise<Response> {
  let body: HashRequest;
  try {
    body = JSON.parse(new TextDecoder().decode(await readBodyCapped(request, HASHER_MAX_BODY_BYTES))) as HashRequest;
  } catch (e) {
    const status = e instanceof ApiError ? 413 : 400;
    return json({ error: { code: 'bad_request', message: 'malformed hash request' } }, status);
  }
  try {
    if (body.op === 'hash' && typeof body.password === 'string') return json({ phc: await hashPassword(body.password) } satisfies HashResponse);
    if (body.op === 'verify' && typeof body.password === 'string' && typeof body.phc === 'string') return json({ ok: await verifyPassword(body.password, body.phc) } satisfies HashResponse);
    return json({ error: { code: 'bad_request', message: 'op must be hash or verify' } }, 400);
  } catch (e) {
    if (e instanceof ApiError && e.code === 'rate_limited') return json({ error: { code: 'busy', message: e.message } }, 503);
    throw e;
  }
}

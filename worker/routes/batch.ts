/**
 * `POST /api/batch`: several GETs of the API in one request. The chat screen opens with a dozen
 * reads (communities, members, roles, emoji, blocks, warnings, announcements, devices…); sent
 * one by one over HTTP/1.1, six at a time, they took several round trips.
 *
 * Each read is dispatched through the whole app as a GET carrying this request's own headers
 * and connection, so it passes the same authentication, rate limit and authorization as if it
 * had been sent alone, and answers the same status and body: a batch can do nothing its reads
 * could not do one by one. Only JSON answers travel in a batch; a read that answers anything
 * else, or more than MAX_BATCH_ITEM_BYTES or the rest of MAX_BATCH_BYTES (counted while it
 * streams), is `too_large`, for the client to read on its own.
 */
import type { Context, Hono } from 'hono';
import type { AppEnv } from '../app';
import { errorBody } from '../middleware/errors';
import { jsonBody } from '../middleware/jsonBody';
import { BatchRequest, type BatchResult } from '../../protocol/http';
import { MAX_BATCH_BYTES, MAX_BATCH_ITEM_BYTES } from '../../protocol/limits';

/** Paths a batch may not read: itself (no nesting) and the images, which are not JSON. */
const NOT_BATCHED = /^\/api\/(batch|images)(\/|$)/;

export function batchHandler(app: Hono<AppEnv>) {
  return async (c: Context<AppEnv>) => {
    const { paths } = await jsonBody(c, BatchRequest);
    const origin = new URL(c.req.url).origin;
    // Shared by the reads, which run at once: counted as their bytes arrive, not after.
    const budget = { left: MAX_BATCH_BYTES };
    const results = await Promise.all(
      paths.map(async (path): Promise<BatchResult> => {
        const url = new URL(path, origin);
        if (url.origin !== origin || url.pathname !== path.split('?')[0] || NOT_BATCHED.test(url.pathname)) {
          return { status: 400, body: errorBody('bad_request', `${path.slice(0, 100)} cannot be read in a batch`) };
        }
        const res = await app.fetch(subRequest(c, url), c.env, executionContext(c));
        if (res.status === 204 || !res.body) return { status: res.status, body: null };
        if (!/^application\/json\s*(;|$)/i.test(res.headers.get('Content-Type') ?? '')) {
          await res.body.cancel().catch(() => undefined);
          return tooLarge();
        }
        const text = await readWithin(res.body, budget);
        if (text === null) return tooLarge();
        try {
          return { status: res.status, body: JSON.parse(text) };
        } catch {
          return tooLarge(); // not the JSON it said: alone, the client gets it as it is
        }
      }),
    );
    return c.json({ results });
  };
}

/** The read as a GET of its own: this request's headers (the token, the proxy headers) and connection. */
function subRequest(c: Context<AppEnv>, url: URL): Request {
  const headers = new Headers(c.req.raw.headers);
  for (const h of ['Content-Type', 'Content-Length', 'Transfer-Encoding']) headers.delete(h);
  // The connection's address (workerd's `cf.clientIp`) goes with it, so the rate limit and the
  // audit log see the same client.
  return new Request(url, { method: 'GET', headers, cf: (c.req.raw as Request & { cf?: RequestInitCfProperties }).cf } as RequestInit);
}

function executionContext(c: Context<AppEnv>) {
  try {
    return c.executionCtx;
  } catch {
    return undefined; // app.request() in unit tests has none
  }
}

/**
 * Reads an answer while it streams, within MAX_BATCH_ITEM_BYTES and what is left of the batch's
 * MAX_BATCH_BYTES (SECURITY-TESTS D1): past either it stops reading, gives its bytes back to the
 * batch and answers null.
 */
async function readWithin(body: ReadableStream<Uint8Array>, budget: { left: number }): Promise<string | null> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let total = 0;
  let text = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return text + decoder.decode();
    total += value.byteLength;
    budget.left -= value.byteLength;
    if (total > MAX_BATCH_ITEM_BYTES || budget.left < 0) {
      budget.left += total;
      await reader.cancel().catch(() => undefined);
      return null;
    }
    text += decoder.decode(value, { stream: true });
  }
}

function tooLarge(): BatchResult {
  return { status: 413, body: errorBody('too_large', 'this answer is not sent in a batch: read it on its own') };
}

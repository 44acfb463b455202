/**
 * Reads and validates a JSON request body: 415 for another content type, 413 over the size cap
 * (checked on the declared length and again while reading, before parsing), 400 for malformed
 * JSON with the parse position, and 400 naming the first field a schema rejects.
 */
import * as v from 'valibot';
import type { Context } from 'hono';
import { ApiError } from '../../protocol/errors';
import { MAX_JSON_BODY_BYTES } from '../../protocol/limits';

/**
 * Reads at most `limit` bytes of a request body while it streams, and throws 413 the moment the
 * body passes it, without buffering the rest: a declared Content-Length over the limit is refused
 * before reading, and a chunked body (no length) is counted chunk by chunk (SECURITY-TESTS D1).
 * Every route that reads a body reads it through here; none calls `arrayBuffer()` or `text()`.
 */
export async function readBodyCapped(req: Request, limit: number, what = 'request body'): Promise<Uint8Array<ArrayBuffer>> {
  const declared = Number(req.headers.get('Content-Length') ?? NaN);
  if (declared > limit) throw new ApiError('payload_too_large', `${what} exceeds ${limit} bytes`);
  if (!req.body) return new Uint8Array(0);
  const reader = req.body.getReader();
  const chunks: Uint8Array<ArrayBuffer>[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel().catch(() => undefined);
      throw new ApiError('payload_too_large', `${what} exceeds ${limit} bytes`);
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0]!;
  const all = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) (all.set(c, offset), (offset += c.byteLength));
  return all;
}

/** Parses the request's JSON body against `schema`, or throws an ApiError saying what is wrong. */
export async function jsonBody<S extends v.GenericSchema>(c: Context, schema: S, limit = MAX_JSON_BODY_BYTES): Promise<v.InferOutput<S>> {
  const type = c.req.header('Content-Type') ?? '';
  if (!/^application\/json\s*(;|$)/i.test(type)) {
    throw new ApiError('unsupported_media_type', 'send the body as application/json');
  }
  const text = new TextDecoder('utf-8', { fatal: false }).decode(await readBodyCapped(c.req.raw, limit));
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ApiError('invalid_json', `malformed JSON: ${(e as Error).message}`);
  }
  const result = v.safeParse(schema, json);
  if (!result.success) {
    const issue = result.issues[0];
    const path = issue.path?.map((p) => String(p.key)).join('.');
    throw new ApiError('validation_failed', path ? `${path}: ${issue.message}` : issue.message);
  }
  return result.output;
}

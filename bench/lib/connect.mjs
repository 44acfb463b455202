/**
 * How a bench client joins a channel: one function from a channel URL to an open WebSocket.
 *
 * Today the relay socket takes no credentials. When authentication lands (a short-lived ticket
 * from REST, or the JWT in Sec-WebSocket-Protocol), only this file changes: `options.credentials`
 * is awaited first and its `protocols` / `headers` go on the upgrade request, so every bench and
 * the `ws` baseline (which ignores them) keep the same connect step and the connect time
 * includes obtaining them.
 */
import WebSocket from './ws.mjs';
import { connectRaw } from './rawSocket.mjs';
import { eachEnvelope, frameKind, lastSeqOf, seqOf } from './measure.mjs';

/** A member reports `{type:'seen'}` every this many envelopes or acks, as real clients do (R7). */
export const SEEN_EVERY = 100;

/**
 * Opens `url` and resolves with the socket once the upgrade succeeded.
 *
 * With `options.onPayload(buf, start, end)` it returns a receive-only RawReceiver (see
 * rawSocket.mjs), the cheap client for listening members; otherwise a `ws` WebSocket whose
 * `options.onMessage(data: Buffer)` is attached before it opens, so no frame can be missed between
 * "open" and the caller attaching its handler. `options.credentials` is an optional async
 * function of the URL returning `{ protocols?, headers? }`.
 */
export async function connectMember(url, options = {}) {
  const creds = options.credentials ? await options.credentials(url) : {};
  if (options.onPayload) return connectRaw(url, { onPayload: options.onPayload, protocols: creds.protocols, headers: creds.headers, timeoutMs: options.timeoutMs });
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, creds.protocols, {
      // Ciphertext does not compress; negotiating permessage-deflate would only burn CPU on
      // both sides (browsers do offer it, so a real deployment should keep it off server-side).
      perMessageDeflate: false,
      // The harness reads frames as bytes and never needs them validated as UTF-8.
      skipUTF8Validation: true,
      handshakeTimeout: options.timeoutMs ?? 15_000,
      headers: creds.headers,
    });
    if (options.onMessage) ws.on('message', options.onMessage);
    // Flow control: the room closes a member that reports no progress for 5,000 envelopes.
    let unseen = 0;
    ws.on('message', (buf) => {
      const kind = frameKind(buf);
      if (kind === 3) {
        let n = 0;
        eachEnvelope(buf, 0, buf.length, () => n++);
        unseen += n - 1;
      }
      if ((kind === 1 || kind === 2 || kind === 3) && ++unseen >= SEEN_EVERY && ws.readyState === WebSocket.OPEN) {
        unseen = 0;
        ws.send(`{"type":"seen","seq":${kind === 3 ? lastSeqOf(buf) : seqOf(buf)}}`);
      }
    });
    const fail = (e) => {
      ws.removeAllListeners('open');
      reject(e);
    };
    ws.once('error', fail);
    ws.once('unexpected-response', (_req, res) => fail(new Error(`upgrade refused with ${res.statusCode}`)));
    ws.once('open', () => {
      ws.off('error', fail);
      ws.on('error', () => {}); // reported through 'close'
      resolve(ws);
    });
  });
}

/** Opens `count` sockets with at most `concurrency` handshakes in flight. Resolves with sockets and failures. */
export async function connectMany(count, makeUrl, makeOptions, concurrency = 200) {
  const sockets = new Array(count);
  const errors = [];
  let next = 0;
  async function lane() {
    while (next < count) {
      const i = next++;
      try {
        sockets[i] = await connectMember(makeUrl(i), makeOptions(i));
      } catch (e) {
        errors.push(`${i}: ${e.message}`);
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
  return { sockets, errors };
}

/**
 * A worker thread of the fan-out harness holding a share of the channel's receiving members.
 *
 * It opens its sockets when told, then for every envelope records send→receive latency into its
 * histogram, checks seq order per socket, and publishes its running delivery count in a shared
 * Int32Array slot so the main thread can keep a bounded number of messages in flight without any
 * message passing. Its sockets are RawReceivers (rawSocket.mjs); each reports `{type:'seen'}` every
 * 100 envelopes, as a real client does, so the room's slow-reader bound (R7) never cuts one off. Commands arrive by postMessage:
 * connect, reset (start a new measured phase), report, close.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { connectMany } from './connect.mjs';
import { OrderCheck, eachEnvelope, frameKind, newHistogram, nowUs, parseEnvelope, record } from './measure.mjs';

const { slot, shared: sharedBuffer } = workerData;
const shared = new Int32Array(sharedBuffer);

let sockets = [];
let order;
let alive;
let hist = newHistogram();
let total = 0; // cumulative deliveries (published in the shared slot)
let phaseDeliveries = 0;
let lastRecvUs = 0;
let otherFrames = 0;
let unexpectedCloses = 0;
let closing = false;
/** Envelopes per socket since its last `seen` report. */
const SEEN_EVERY = 100;
let unseen;

function onFrame(i, buf, start, end) {
  const kind = frameKind(buf, start);
  if (kind === 3) return eachEnvelope(buf, start, end, (s, e) => onEnvelope(i, buf, s, e));
  if (kind !== 1) {
    otherFrames++;
    return;
  }
  onEnvelope(i, buf, start, end);
}

function onEnvelope(i, buf, start, end) {
  const now = nowUs();
  const e = parseEnvelope(buf, start, end);
  order.see(i, e.seq);
  if (++unseen[i] >= SEEN_EVERY) {
    unseen[i] = 0;
    sockets[i]?.text(`{"type":"seen","seq":${e.seq}}`);
  }
  record(hist, now - e.sentUs);
  lastRecvUs = now;
  phaseDeliveries++;
  Atomics.store(shared, slot, ++total);
}

parentPort.on('message', async (msg) => {
  switch (msg.cmd) {
    case 'connect': {
      // `from`/`total`: connecting in parts (the bench measures memory between them); the first
      // part (from 0) sizes the per-socket state for all `total` sockets.
      const { url, count, concurrency, protocols, from = 0, total = count } = msg;
      if (from === 0) {
        order = new OrderCheck(total);
        alive = new Uint8Array(total);
        unseen = new Uint16Array(total);
        sockets = new Array(total);
      }
      const started = nowUs();
      const r = await connectMany(
        count,
        () => url,
        (i) => ({ credentials: async () => ({ protocols }), onPayload: (buf, start, end) => onFrame(from + i, buf, start, end) }),
        concurrency,
      );
      for (let i = 0; i < count; i++) {
        const ws = r.sockets[i];
        if (!ws) continue;
        const k = from + i;
        sockets[k] = ws;
        alive[k] = 1;
        ws.onClose = () => {
          alive[k] = 0;
          if (!closing) unexpectedCloses++;
        };
      }
      parentPort.postMessage({ type: 'connected', ok: count - r.errors.length, errors: r.errors.slice(0, 5), failed: r.errors.length, ms: (nowUs() - started) / 1000 });
      break;
    }
    case 'reset':
      hist.fill(0);
      phaseDeliveries = 0;
      lastRecvUs = 0;
      parentPort.postMessage({ type: 'reset' });
      break;
    case 'report': {
      const copy = hist.slice();
      parentPort.postMessage(
        {
          type: 'report',
          deliveries: phaseDeliveries,
          lastRecvUs,
          otherFrames,
          unexpectedCloses,
          order: order ? order.summary(msg.head, (i) => alive[i] === 1) : undefined,
          hist: copy,
        },
        [copy.buffer],
      );
      break;
    }
    case 'close':
      closing = true;
      for (const ws of sockets) ws?.terminate();
      sockets = [];
      parentPort.postMessage({ type: 'closed' });
      break;
  }
});

parentPort.postMessage({ type: 'ready' });

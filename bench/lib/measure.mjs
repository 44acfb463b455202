/**
 * The cheap per-frame work of the fan-out harness: reading `type`, `seq` and the send timestamp
 * out of a server frame without decoding or JSON-parsing it, a latency histogram that threads can
 * merge, and a per-socket order check. Everything here runs once per delivery on the client side
 * of a 2-core machine whose other core runs the server, so it allocates nothing per frame.
 *
 * The send timestamp travels in the clientMsgId: `<microseconds of process.hrtime>_<sender>_<n>`.
 * process.hrtime is CLOCK_MONOTONIC, shared by all threads (and processes) of the machine.
 */

const TYPE_ENVELOPE = Buffer.from('"type":"envelope"');
const TYPE_ENVELOPES = Buffer.from('"type":"envelopes"');
/** How each envelope frame inside an `envelopes` frame starts. */
const ELEMENT = Buffer.from('{"type":"envelope",');
const TYPE_ACK = Buffer.from('"type":"ack"');
const SEQ_KEY = Buffer.from('"seq":');
const ID_KEY = Buffer.from('"clientMsgId":"');

/** Monotonic microseconds (integer). */
export function nowUs() {
  const t = process.hrtime();
  return t[0] * 1e6 + Math.floor(t[1] / 1000);
}

function startsWith(buf, at, bytes) {
  for (let i = 0; i < bytes.length; i++) if (buf[at + i] !== bytes[i]) return false;
  return true;
}

/**
 * 1 = envelope, 2 = ack, 3 = envelopes (a chatalot.v2 batch), 0 = anything else, for the frame in
 * buf[start, end). Frames are JSON objects whose first key is `type` (both servers serialize
 * `{type, ...}`).
 */
export function frameKind(buf, start = 0) {
  if (startsWith(buf, start + 1, TYPE_ENVELOPES)) return 3;
  if (startsWith(buf, start + 1, TYPE_ENVELOPE)) return 1;
  if (startsWith(buf, start + 1, TYPE_ACK)) return 2;
  return 0;
}

function intAt(buf, p) {
  let n = 0;
  for (let c = buf[p]; c >= 48 && c <= 57; c = buf[++p]) n = n * 10 + (c - 48);
  return n;
}

/** Offset of `key` in buf[start, end), trying the usual position first. */
function find(buf, key, start, end, guess) {
  if (startsWith(buf, guess, key)) return guess;
  const at = buf.indexOf(key, start);
  return at >= 0 && at < end ? at : -1;
}

/** The `seq` of an envelope or ack frame in buf[start, end); envelopes carry it right after `type`. */
export function seqOf(buf, start = 0, end = buf.length) {
  const at = find(buf, SEQ_KEY, start, end, start + 1 + TYPE_ENVELOPE.length + 1);
  return at < 0 ? -1 : intAt(buf, at + SEQ_KEY.length);
}

/**
 * Calls `fn(elementStart, elementEnd)` for each envelope frame inside the `envelopes` frame in
 * buf[start, end), in order. Ciphertexts are base64 and ids URL-safe, so the element prefix
 * cannot occur inside one.
 */
export function eachEnvelope(buf, start, end, fn) {
  let at = buf.indexOf(ELEMENT, start + 1 + TYPE_ENVELOPES.length);
  while (at >= 0 && at < end) {
    const next = buf.indexOf(ELEMENT, at + ELEMENT.length);
    const stop = next < 0 || next >= end ? end : next;
    fn(at, stop);
    at = stop === end ? -1 : next;
  }
}

/** The seq of the last envelope in the `envelopes` frame in buf[start, end) (what a `seen` report names). */
export function lastSeqOf(buf, start = 0, end = buf.length) {
  let last = -1;
  eachEnvelope(buf, start, end, (s, e) => (last = seqOf(buf, s, e)));
  return last;
}

/** Result slot of parseEnvelope (one shared object, so parsing allocates nothing). */
export const envelope = { seq: -1, sentUs: -1 };

/**
 * Reads `seq` and the send time out of the envelope in buf[start, end) into `envelope`. Both
 * servers write `{"type":"envelope","seq":N,"clientMsgId":"…` so the fast path is a few byte
 * compares; anything else falls back to searching.
 */
export function parseEnvelope(buf, start, end) {
  let p = start + 1 + TYPE_ENVELOPE.length + 1;
  if (!startsWith(buf, p, SEQ_KEY)) {
    envelope.seq = seqOf(buf, start, end);
    envelope.sentUs = sentUsOf(buf, start, end);
    return envelope;
  }
  p += SEQ_KEY.length;
  let n = 0;
  for (let c = buf[p]; c >= 48 && c <= 57; c = buf[++p]) n = n * 10 + (c - 48);
  envelope.seq = n;
  envelope.sentUs = startsWith(buf, p + 1, ID_KEY) ? intAt(buf, p + 1 + ID_KEY.length) : sentUsOf(buf, start, end);
  return envelope;
}

/** The send time (µs) a bench sender put at the start of the frame's clientMsgId. */
export function sentUsOf(buf, start = 0, end = buf.length) {
  const at = buf.indexOf(ID_KEY, start);
  return at < 0 || at >= end ? -1 : intAt(buf, at + ID_KEY.length);
}

/** Histogram resolution: 20 µs buckets, up to 30 s (larger values land in the last bucket). */
export const BUCKET_US = 20;
export const BUCKETS = 1_500_000;

export function newHistogram() {
  return new Uint32Array(BUCKETS);
}

export function record(hist, latencyUs) {
  let b = Math.floor(latencyUs / BUCKET_US);
  if (b < 0) b = 0;
  else if (b >= BUCKETS) b = BUCKETS - 1;
  hist[b]++;
}

export function merge(into, from) {
  for (let i = 0; i < BUCKETS; i++) if (from[i]) into[i] += from[i];
  return into;
}

/** Percentiles in ms, e.g. percentiles(h, [50, 95, 99]) → { p50, p95, p99, count, max }. */
export function percentiles(hist, ps) {
  let total = 0;
  let maxB = 0;
  for (let i = 0; i < BUCKETS; i++) if (hist[i]) ((total += hist[i]), (maxB = i));
  const out = { count: total, max: ((maxB + 1) * BUCKET_US) / 1000 };
  if (total === 0) {
    for (const p of ps) out[`p${p}`] = NaN;
    return out;
  }
  const targets = ps.map((p) => Math.ceil((p / 100) * total));
  let seen = 0;
  let k = 0;
  for (let i = 0; i < BUCKETS && k < targets.length; i++) {
    seen += hist[i];
    while (k < targets.length && seen >= targets[k]) out[`p${ps[k++]}`] = ((i + 0.5) * BUCKET_US) / 1000;
  }
  return out;
}

/**
 * Per-socket order check: every socket must see seq 1, 2, 3, … with no gap, duplicate or
 * reordering (its own sends show up as acks in the same stream).
 */
export class OrderCheck {
  constructor(count) {
    this.last = new Int32Array(count);
    this.gaps = 0;
    this.dupes = 0;
  }

  see(i, seq) {
    const expected = this.last[i] + 1;
    if (seq === expected) {
      this.last[i] = seq;
    } else if (seq > expected) {
      this.gaps++;
      this.last[i] = seq;
    } else {
      this.dupes++;
    }
  }

  /** How many sockets are not at `head`, and the lowest / highest seq any reached. */
  summary(head, alive) {
    let behind = 0;
    let min = Infinity;
    let max = 0;
    for (let i = 0; i < this.last.length; i++) {
      if (alive && !alive(i)) continue;
      const l = this.last[i];
      if (l !== head) behind++;
      if (l < min) min = l;
      if (l > max) max = l;
    }
    return { behind, minSeq: min === Infinity ? 0 : min, maxSeq: max, gaps: this.gaps, dupes: this.dupes };
  }
}

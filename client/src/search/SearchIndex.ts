/**
 * Search over this device's own history (issue #15 item 8): an inverted index over the messages
 * this device has decrypted, kept in the browser (IndexedDB) and never sent anywhere. The server
 * cannot search end-to-end encrypted messages; this works because it runs where the plaintext is.
 *
 * Why not a library: MiniSearch and Lunr hold the whole index in memory and persist it as one
 * serialized blob, rewritten whole on every change; an index over 100,000 messages that grows
 * with every message needs incremental, partial writes. This one is small and does only that.
 *
 * Layout (database `chatalot-search`, store `index`, wiped at sign-out with the device database):
 * - documents get increasing ids in the order they are indexed; a document is one message
 *   (its current version), described by [channel, seq, version seq, sender, time, flags], kept
 *   in blocks of 512 (`['d', block]`); the strings (channel and user ids) are interned in `meta`;
 * - terms are hashed into 512 buckets; a bucket (`['p', n]`) maps each of its terms to the
 *   increasing document ids that hold it, delta- and varint-encoded, so a posting costs 1–3
 *   bytes; appends are cheap because ids only grow;
 * - each channel's seq → document id map (`['r', channel]`), for edits and deletions.
 * Records are loaded when first needed and written back, dirty ones only, in one transaction per
 * flush. An edit indexes the new text under a new document id and retires the old one; results
 * are checked against the current text, so an edited-away word does not match. A deleted or
 * expired message is removed with its terms (the caller passes the text it had), so nothing of it
 * stays on the device.
 */
import { Db } from '../stores/idb';

export const SEARCH_DB = 'chatalot-search';
const STORE = 'index';
const BUCKETS = 512;
const BLOCK = 512;

/** What the index needs of a message: where it is, who sent it when, and its searchable text. */
export interface SearchDoc {
  channelId: string;
  seq: number;
  /** The seq of the envelope whose body holds the current text (the message, or its latest edit). */
  version: number;
  sender: string;
  ts: number;
  text: string;
  hasFile: boolean;
  hasLink: boolean;
}

export interface SearchQuery {
  /** Words to find (all of them, whole words, case and accents ignored). Empty: filters only. */
  text: string;
  from?: string;
  in?: string;
  has?: ('file' | 'link')[];
  /** Sent before / after these times (ms). */
  before?: number;
  after?: number;
  limit?: number;
}

export interface SearchHit {
  channelId: string;
  seq: number;
  sender: string;
  ts: number;
  text: string;
  /** [start, end) character ranges of `text` that matched. */
  highlights: [number, number][];
}

/** Reads the current text of messages by their version envelope (the device's message cache). */
export type TextSource = (refs: { channelId: string; seq: number }[]) => Promise<(string | null)[]>;

const FILE = 1;
const LINK = 2;

/** [channel string id, seq, version seq, sender string id, time in seconds, flags]; null once removed. */
type DocEntry = [number, number, number, number, number, number] | null;

interface Meta {
  nextDoc: number;
  strings: string[];
}

/** One term's postings: document ids ascending, as varint deltas. */
interface Postings {
  bytes: Uint8Array;
  len: number;
  last: number;
}

/**
 * The word segmenter, made on first use: making one loads the word-break data (dictionaries for
 * the scripts written without spaces), 26 ms of the chat chunk's evaluation on the chat's
 * opening when it was made as the module loaded (bench:lighthouse, a phone at 4× that).
 */
let segmenterMade: Intl.Segmenter | null | undefined;
const wordSegmenter = (): Intl.Segmenter | null =>
  (segmenterMade ??= typeof Intl !== 'undefined' && 'Segmenter' in Intl ? new Intl.Segmenter(undefined, { granularity: 'word' }) : null);

/** Lower case, without accents or other combining marks. */
export function normalize(text: string): string {
  return text.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();
}

/** The words of `text` as the index keeps them, with where each is in `text` (for highlighting). */
export function words(text: string): { term: string; start: number; end: number }[] {
  const out: { term: string; start: number; end: number }[] = [];
  const segmenter = wordSegmenter();
  if (segmenter) {
    for (const s of segmenter.segment(text)) {
      if (!s.isWordLike) continue;
      const term = normalize(s.segment);
      if (term) out.push({ term: term.slice(0, 64), start: s.index, end: s.index + s.segment.length });
    }
    return out;
  }
  for (const m of text.matchAll(/[\p{L}\p{N}_]+/gu)) out.push({ term: normalize(m[0]).slice(0, 64), start: m.index, end: m.index + m[0].length });
  return out;
}

function bucketOf(term: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < term.length; i++) h = Math.imul(h ^ term.charCodeAt(i), 0x01000193);
  return (h >>> 0) % BUCKETS;
}

function append(p: Postings, doc: number): void {
  let delta = doc - p.last;
  if (p.len + 5 > p.bytes.length) {
    const grown = new Uint8Array(Math.max(8, p.bytes.length * 2));
    grown.set(p.bytes.subarray(0, p.len));
    p.bytes = grown;
  }
  while (delta >= 0x80) {
    p.bytes[p.len++] = (delta & 0x7f) | 0x80;
    delta >>>= 7;
  }
  p.bytes[p.len++] = delta;
  p.last = doc;
}

function decode(p: Postings): number[] {
  const out: number[] = [];
  let doc = 0;
  for (let i = 0; i < p.len; ) {
    let delta = 0;
    let shift = 0;
    let b: number;
    do {
      b = p.bytes[i++]!;
      delta |= (b & 0x7f) << shift;
      shift += 7;
    } while (b & 0x80);
    doc += delta;
    out.push(doc);
  }
  return out;
}

function encode(docs: number[]): Postings {
  const p: Postings = { bytes: new Uint8Array(Math.max(8, docs.length * 2)), len: 0, last: 0 };
  for (const d of docs) append(p, d);
  return p;
}

/** A bucket as stored: its terms and their postings, concatenated. */
interface StoredBucket {
  terms: string[];
  lengths: number[];
  lasts: number[];
  bytes: Uint8Array;
}

export class SearchIndex {
  private meta: Meta = { nextDoc: 1, strings: [] };
  private stringIds = new Map<string, number>();
  private readonly buckets = new Map<number, Map<string, Postings>>();
  private readonly blocks = new Map<number, DocEntry[]>();
  private readonly refs = new Map<number, Map<number, number>>();
  private readonly dirty = { meta: false, buckets: new Set<number>(), blocks: new Set<number>(), refs: new Set<number>() };
  /** Work is serialized: a flush never interleaves with an add that reads records. */
  private queue: Promise<unknown> = Promise.resolve();
  private flushTimer: ReturnType<typeof setTimeout> | undefined;

  private constructor(
    private readonly db: Db,
    private readonly textOf: TextSource,
  ) {}

  static async open(textOf: TextSource, name = SEARCH_DB): Promise<SearchIndex> {
    const db = await Db.open(name, 1, [STORE]);
    const index = new SearchIndex(db, textOf);
    const meta = await db.get<Meta>(STORE, 'meta');
    if (meta) index.meta = meta;
    index.meta.strings.forEach((s, i) => index.stringIds.set(s, i));
    return index;
  }

  /** Whether the device's cached history was indexed once already (see `backfilled`). */
  async isBackfilled(): Promise<boolean> {
    return (await this.db.get<boolean>(STORE, 'backfilled')) === true;
  }

  async markBackfilled(): Promise<void> {
    await this.flush();
    await this.db.put(STORE, 'backfilled', true);
  }

  close(): void {
    clearTimeout(this.flushTimer);
    this.db.close();
  }

  private run<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private intern(s: string): number {
    let id = this.stringIds.get(s);
    if (id === undefined) {
      id = this.meta.strings.push(s) - 1;
      this.stringIds.set(s, id);
      this.dirty.meta = true;
    }
    return id;
  }

  private async bucket(n: number): Promise<Map<string, Postings>> {
    let b = this.buckets.get(n);
    if (b) return b;
    const stored = await this.db.get<StoredBucket>(STORE, ['p', n]);
    b = new Map();
    if (stored) {
      let at = 0;
      stored.terms.forEach((term, i) => {
        const len = stored.lengths[i]!;
        b!.set(term, { bytes: stored.bytes.slice(at, at + len), len, last: stored.lasts[i]! });
        at += len;
      });
    }
    this.buckets.set(n, b);
    return b;
  }

  private async block(n: number): Promise<DocEntry[]> {
    let b = this.blocks.get(n);
    if (!b) {
      b = (await this.db.get<DocEntry[]>(STORE, ['d', n])) ?? [];
      this.blocks.set(n, b);
    }
    return b;
  }

  private async refsOf(channel: number): Promise<Map<number, number>> {
    let r = this.refs.get(channel);
    if (!r) {
      const stored = await this.db.get<number[]>(STORE, ['r', channel]);
      r = new Map();
      for (let i = 0; stored && i < stored.length; i += 2) r.set(stored[i]!, stored[i + 1]!);
      this.refs.set(channel, r);
    }
    return r;
  }

  private async entry(doc: number): Promise<DocEntry> {
    return (await this.block(Math.floor(doc / BLOCK)))[doc % BLOCK] ?? null;
  }

  /** Indexes messages (new ones, or new versions of ones indexed before). */
  add(docs: SearchDoc[]): Promise<void> {
    return this.run(async () => {
      for (const d of docs) await this.addOne(d);
      this.scheduleFlush();
    });
  }

  private async addOne(d: SearchDoc): Promise<void> {
    const channel = this.intern(d.channelId);
    const refs = await this.refsOf(channel);
    const known = refs.get(d.seq);
    if (known !== undefined) {
      const e = await this.entry(known);
      if (e && e[2] >= d.version) return; // this version (or a newer one) is indexed already
      if (e) await this.retire(known);
    }
    const terms = new Set(words(d.text).map((w) => w.term));
    if (terms.size === 0 && !d.hasFile && !d.hasLink) return;
    const doc = this.meta.nextDoc++;
    this.dirty.meta = true;
    const blockNo = Math.floor(doc / BLOCK);
    const block = await this.block(blockNo);
    block[doc % BLOCK] = [channel, d.seq, d.version, this.intern(d.sender), Math.floor(d.ts / 1000), (d.hasFile ? FILE : 0) | (d.hasLink ? LINK : 0)];
    this.dirty.blocks.add(blockNo);
    refs.set(d.seq, doc);
    this.dirty.refs.add(channel);
    for (const term of terms) {
      const n = bucketOf(term);
      const bucket = await this.bucket(n);
      let p = bucket.get(term);
      if (!p) bucket.set(term, (p = { bytes: new Uint8Array(8), len: 0, last: 0 }));
      append(p, doc);
      this.dirty.buckets.add(n);
    }
  }

  /** A document no longer current (an older version): its entry goes; its postings are filtered out when read. */
  private async retire(doc: number): Promise<void> {
    const blockNo = Math.floor(doc / BLOCK);
    (await this.block(blockNo))[doc % BLOCK] = null;
    this.dirty.blocks.add(blockNo);
  }

  /**
   * Removes a message (deleted, or its disappearing timer ran out) with its words: `texts` are
   * every version of it this device read, whose terms lose this message's postings (a term left
   * with none is gone from the index).
   */
  remove(channelId: string, seq: number, texts: string[]): Promise<void> {
    return this.run(async () => {
      const channel = this.stringIds.get(channelId);
      if (channel === undefined) return;
      const refs = await this.refsOf(channel);
      const doc = refs.get(seq);
      if (doc === undefined) return;
      // Every document id this message had (one per version indexed): the postings may name any.
      const ids = new Set([doc]);
      await this.retire(doc);
      refs.delete(seq);
      this.dirty.refs.add(channel);
      for (const term of new Set(texts.flatMap((t) => words(t).map((w) => w.term)))) {
        const n = bucketOf(term);
        const bucket = await this.bucket(n);
        const p = bucket.get(term);
        if (!p) continue;
        const kept = decode(p).filter((d) => !ids.has(d) && !this.isRetired(d));
        if (kept.length === 0) bucket.delete(term);
        else bucket.set(term, encode(kept));
        this.dirty.buckets.add(n);
      }
      this.scheduleFlush();
    });
  }

  /**
   * Whether `doc` is retired (an older version of an edited message, or removed): a removal drops
   * those from the postings it rewrites, which takes the removed message's older versions too.
   */
  private isRetired(doc: number): boolean {
    const block = this.blocks.get(Math.floor(doc / BLOCK));
    return block !== undefined && block[doc % BLOCK] === null;
  }

  private scheduleFlush(): void {
    this.flushTimer ??= setTimeout(() => {
      this.flushTimer = undefined;
      void this.flush().catch((e) => console.warn('search index not written', e));
    }, 1000);
  }

  /** Writes every changed record in one transaction. */
  flush(): Promise<void> {
    return this.run(async () => {
      const { buckets, blocks, refs } = this.dirty;
      if (!this.dirty.meta && buckets.size === 0 && blocks.size === 0 && refs.size === 0) return;
      const writes: [IDBValidKey, unknown][] = [];
      if (this.dirty.meta) writes.push(['meta', this.meta]);
      for (const n of buckets) writes.push([['p', n], this.storedBucket(this.buckets.get(n)!)]);
      for (const n of blocks) writes.push([['d', n], this.blocks.get(n)!]);
      for (const c of refs) writes.push([['r', c], [...this.refs.get(c)!].flat()]);
      this.dirty.meta = false;
      buckets.clear();
      blocks.clear();
      refs.clear();
      await this.db.write(STORE, (tx) => {
        for (const [key, value] of writes) tx.objectStore(STORE).put(value, key);
      });
    });
  }

  private storedBucket(b: Map<string, Postings>): StoredBucket {
    const terms = [...b.keys()];
    const lengths = terms.map((t) => b.get(t)!.len);
    const bytes = new Uint8Array(lengths.reduce((a, n) => a + n, 0));
    let at = 0;
    for (const t of terms) {
      const p = b.get(t)!;
      bytes.set(p.bytes.subarray(0, p.len), at);
      at += p.len;
    }
    return { terms, lengths, lasts: terms.map((t) => b.get(t)!.last), bytes };
  }

  /** Bytes the index's records hold (keys and values as stored), for the bench's size figure. */
  async storedBytes(): Promise<number> {
    await this.flush();
    let total = 0;
    const keys = await this.db.getAllKeys(STORE);
    const values = await this.db.getAll<unknown>(STORE);
    for (const [i, v] of values.entries()) total += JSON.stringify(keys[i]).length + sizeOf(v);
    return total;
  }

  /** Messages matching `q`, newest first. Nothing leaves this device. */
  search(q: SearchQuery): Promise<SearchHit[]> {
    return this.run(async () => {
      const limit = q.limit ?? 50;
      const terms = [...new Set(words(q.text).map((w) => w.term))];
      const channel = q.in !== undefined ? this.stringIds.get(q.in) : undefined;
      const sender = q.from !== undefined ? this.stringIds.get(q.from) : undefined;
      if ((q.in !== undefined && channel === undefined) || (q.from !== undefined && sender === undefined)) return [];
      const flags = (q.has?.includes('file') ? FILE : 0) | (q.has?.includes('link') ? LINK : 0);
      const fits = (e: DocEntry): e is NonNullable<DocEntry> =>
        e !== null &&
        (channel === undefined || e[0] === channel) &&
        (sender === undefined || e[3] === sender) &&
        (e[5] & flags) === flags &&
        (q.before === undefined || e[4] * 1000 < q.before) &&
        (q.after === undefined || e[4] * 1000 >= q.after);

      // Candidates, newest (highest id) first: the intersection of the terms' postings, or every document.
      let candidates: Iterable<number>;
      if (terms.length > 0) {
        const lists: number[][] = [];
        for (const term of terms) {
          const p = (await this.bucket(bucketOf(term))).get(term);
          if (!p) return [];
          lists.push(decode(p));
        }
        lists.sort((a, b) => a.length - b.length);
        let result = lists[0]!;
        for (const other of lists.slice(1)) {
          const set = new Set(other);
          result = result.filter((d) => set.has(d));
        }
        candidates = result.reverse();
      } else {
        candidates = (function* (last: number) {
          for (let d = last; d >= 1; d--) yield d;
        })(this.meta.nextDoc - 1);
      }

      const hits: SearchHit[] = [];
      let batch: { doc: number; e: NonNullable<DocEntry> }[] = [];
      const check = async () => {
        const texts = await this.textOf(batch.map(({ e }) => ({ channelId: this.meta.strings[e[0]]!, seq: e[2] })));
        for (const [i, { e }] of batch.entries()) {
          const text = texts[i];
          if (text === null || text === undefined || hits.length >= limit) continue;
          const found = words(text);
          const present = new Set(found.map((w) => w.term));
          // The current text must hold every word (an edit may have taken one away).
          if (!terms.every((t) => present.has(t))) continue;
          hits.push({
            channelId: this.meta.strings[e[0]]!,
            seq: e[1],
            sender: this.meta.strings[e[3]]!,
            ts: e[4] * 1000,
            text,
            highlights: found.filter((w) => terms.includes(w.term)).map((w) => [w.start, w.end]),
          });
        }
        batch = [];
      };
      let scanned = 0;
      for (const doc of candidates) {
        const e = await this.entry(doc);
        if (fits(e)) batch.push({ doc, e });
        if (batch.length >= 25) await check();
        if (hits.length >= limit || ++scanned > 200_000) break;
      }
      if (batch.length > 0 && hits.length < limit) await check();
      return hits;
    });
  }
}

function sizeOf(v: unknown): number {
  if (v instanceof Uint8Array) return v.byteLength;
  if (Array.isArray(v)) return v.reduce((a: number, x) => a + sizeOf(x) + 1, 2);
  if (v && typeof v === 'object') return Object.entries(v).reduce((a, [k, x]) => a + k.length + 3 + sizeOf(x), 2);
  return JSON.stringify(v ?? null).length;
}

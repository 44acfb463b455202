/**
 * What `npm run bench:search` runs inside Chromium: the client's real SearchIndex over a message
 * cache shaped like the app's (IndexedDB, records keyed [channelId, seq]), and, as the baseline in
 * the same run, what a client without an index would do: read every cached message and test it.
 */
import { SearchIndex, words, type SearchDoc, type SearchQuery } from '../../client/src/search/SearchIndex';
import { Db } from '../../client/src/stores/idb';

interface Message {
  channelId: string;
  seq: number;
  sender: string;
  ts: number;
  text: string;
  hasFile: boolean;
  hasLink: boolean;
}

let cache: Db;
let index: SearchIndex;

const texts = async (refs: { channelId: string; seq: number }[]) =>
  (await cache.getMany<Message>('messages', refs.map((r) => [r.channelId, r.seq]))).map((m) => m?.text ?? null);

async function open(): Promise<void> {
  cache = await Db.open('bench-cache', 1, ['messages']);
  index = await SearchIndex.open(texts, 'bench-search');
}

/** Stores a page of messages in the cache, then indexes it; returns the ms spent indexing (add + write). */
async function addPage(page: Message[]): Promise<{ cacheMs: number; indexMs: number }> {
  const t0 = performance.now();
  await cache.write('messages', (tx) => {
    for (const m of page) tx.objectStore('messages').put(m, [m.channelId, m.seq]);
  });
  const t1 = performance.now();
  const docs: SearchDoc[] = page.map((m) => ({ ...m, version: m.seq }));
  await index.add(docs);
  await index.flush();
  return { cacheMs: t1 - t0, indexMs: performance.now() - t1 };
}

async function query(q: SearchQuery): Promise<{ ms: number; hits: number }> {
  const t0 = performance.now();
  const hits = await index.search(q);
  return { ms: performance.now() - t0, hits: hits.length };
}

/** The baseline: every cached message read and tested, newest first, until `limit` match. */
async function scan(q: SearchQuery): Promise<{ ms: number; hits: number }> {
  const t0 = performance.now();
  const terms = words(q.text).map((w) => w.term);
  const all = await cache.getAll<Message>('messages');
  const hits: Message[] = [];
  for (let i = all.length - 1; i >= 0 && hits.length < (q.limit ?? 50); i--) {
    const m = all[i]!;
    if (q.from && m.sender !== q.from) continue;
    if (q.has?.includes('file') && !m.hasFile) continue;
    const present = new Set(words(m.text).map((w) => w.term));
    if (terms.every((t) => present.has(t))) hits.push(m);
  }
  return { ms: performance.now() - t0, hits: hits.length };
}

async function reopen(): Promise<void> {
  index.close();
  index = await SearchIndex.open(texts, 'bench-search');
}

async function sizes(): Promise<{ indexBytes: number; usage: number | undefined }> {
  const indexBytes = await index.storedBytes();
  const estimate = await navigator.storage?.estimate?.();
  return { indexBytes, usage: estimate?.usage };
}

(globalThis as unknown as { bench: unknown }).bench = { open, addPage, query, scan, reopen, sizes };

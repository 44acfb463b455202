/**
 * The page's one search index (SearchIndex.ts), fed by every channel session as messages are
 * decrypted and cached, and read by the search panel. It reads message text from the device's
 * message cache, so the index itself holds no text. The first time it opens on a device it
 * indexes what the cache already holds. Signing out deletes it with the device database.
 */
import type { MessageBody } from '../e2ee/MessageBody';
import { deviceDb, deviceWiped, onWipe } from '../stores/DeviceDb';
import { Db } from '../stores/idb';
import { SEARCH_DB, SearchIndex, type SearchDoc } from './SearchIndex';

/** What of a message is searchable: its text, a poll's question and options, file names, a link preview's title. */
export function searchableText(body: MessageBody): string {
  const parts: string[] = [];
  if (body.text) parts.push(body.text);
  if (body.poll) parts.push(body.poll.question, ...body.poll.options);
  for (const f of body.files ?? []) parts.push(f.name);
  if (body.preview?.title) parts.push(body.preview.title);
  // Imported history (issue #19 item 7): found as its batch, under the importer.
  for (const m of body.imported?.messages ?? []) parts.push(`${m.author}: ${m.text}`);
  return parts.join('\n');
}

const LINK = /\bhttps?:\/\/\S/i;

/** A cached message record as the index needs it (the fields ChannelSession's MessageRecord has). */
export interface IndexableRecord {
  seq: number;
  sender: string;
  ts: number;
  kind: string;
  target?: number;
  deleted?: boolean;
  body?: MessageBody;
}

/**
 * The documents a batch of records makes: a message's text, or an edit's new text under its
 * message (`rootOf` finds the message an edit is about among what is held).
 */
export function docsOf(channelId: string, records: IndexableRecord[], rootOf: (seq: number) => IndexableRecord | undefined): SearchDoc[] {
  const docs: SearchDoc[] = [];
  for (const r of records) {
    if (r.deleted || !r.body) continue;
    const root = r.kind === 'message' ? r : r.kind === 'edit' && r.target !== undefined && r.body.text !== undefined ? rootOf(r.target) : undefined;
    if (!root || root.deleted || !root.body || root.kind !== 'message') continue;
    const body: MessageBody = r === root ? r.body : { ...root.body, text: r.body.text };
    const text = searchableText(body);
    const hasFile = (body.files?.length ?? 0) > 0;
    const hasLink = LINK.test(body.text ?? '') || body.preview !== undefined;
    if (!text && !hasFile) continue;
    docs.push({ channelId, seq: root.seq, version: r.seq, sender: root.sender, ts: root.ts, text, hasFile, hasLink });
  }
  return docs;
}

/** The current text of messages, from the device's message cache (the version envelope's body). */
async function cachedTexts(refs: { channelId: string; seq: number }[]): Promise<(string | null)[]> {
  const db = await deviceDb();
  const records = await db.getMany<IndexableRecord>('messages', refs.map((r) => [r.channelId, r.seq]));
  const roots = await db.getMany<IndexableRecord>(
    'messages',
    records.map((r, i) => (r?.kind === 'edit' && r.target !== undefined ? [refs[i]!.channelId, r.target] : [refs[i]!.channelId, -1])),
  );
  return records.map((r, i) => {
    if (!r?.body || r.deleted) return null;
    const root = r.kind === 'edit' ? roots[i] : r;
    if (!root?.body || root.deleted) return null;
    return searchableText(r === root ? r.body : { ...root.body, text: r.body.text });
  });
}

let opening: Promise<SearchIndex> | null = null;

/** The index, opened (and filled from the message cache the first time) once per page. */
export function searchIndex(): Promise<SearchIndex> {
  if (deviceWiped()) return Promise.reject(new Error('signed out'));
  opening ??= (async () => {
    const index = await SearchIndex.open(cachedTexts);
    if (!(await index.isBackfilled())) await backfill(index);
    return index;
  })();
  opening.catch(() => (opening = null));
  return opening;
}

/** Indexes everything the message cache held before the index existed. */
async function backfill(index: SearchIndex): Promise<void> {
  const db = await deviceDb();
  const keys = (await db.getAllKeys('messages')) as [string, number][];
  const records = await db.getAll<IndexableRecord>('messages');
  const byChannel = new Map<string, Map<number, IndexableRecord>>();
  for (const [i, [channelId]] of keys.entries()) {
    let m = byChannel.get(channelId);
    if (!m) byChannel.set(channelId, (m = new Map()));
    m.set(records[i]!.seq, records[i]!);
  }
  for (const [channelId, held] of byChannel) await index.add(docsOf(channelId, [...held.values()].sort((a, b) => a.seq - b.seq), (seq) => held.get(seq)));
  await index.markBackfilled();
}

onWipe(async () => {
  const index = await opening?.catch(() => null);
  index?.close();
  opening = null;
  await Db.delete(SEARCH_DB);
});

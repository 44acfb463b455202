/**
 * Issue #15 item 8: the browser-side search index, on an IndexedDB implementation in Node. Words
 * are found whole, case and accents ignored, with every filter; an edit's old words stop matching;
 * a removed message's words leave the stored records; the index survives a reopen; results are
 * newest first with highlights.
 */
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { SearchIndex, words, type SearchDoc } from './SearchIndex';

/** Stands in for the message cache: the current text by (channel, version seq). */
function cache() {
  const texts = new Map<string, string>();
  return {
    set: (channelId: string, seq: number, text: string) => texts.set(`${channelId}/${seq}`, text),
    drop: (channelId: string, seq: number) => texts.delete(`${channelId}/${seq}`),
    source: async (refs: { channelId: string; seq: number }[]) => refs.map((r) => texts.get(`${r.channelId}/${r.seq}`) ?? null),
  };
}

const doc = (channelId: string, seq: number, sender: string, text: string, extra: Partial<SearchDoc> = {}): SearchDoc => ({
  channelId,
  seq,
  version: seq,
  sender,
  ts: 1_700_000_000_000 + seq * 60_000,
  text,
  hasFile: false,
  hasLink: /https?:\/\//.test(text),
  ...extra,
});

/** Every stored record of the index database, as text, to look for words in. */
async function storedText(name: string): Promise<string> {
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const r = indexedDB.open(name);
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
  const all = await new Promise<unknown[]>((resolve) => {
    const r = db.transaction('index').objectStore('index').getAll();
    r.onsuccess = () => resolve(r.result);
  });
  db.close();
  return JSON.stringify(all);
}

describe('search index', () => {
  it('splits words and ignores case and accents', () => {
    expect(words('Crème Brûlée, please!').map((w) => w.term)).toEqual(['creme', 'brulee', 'please']);
  });

  it('finds whole words with filters, newest first, highlighted; edits and removals keep it honest; it survives a reopen', async () => {
    const name = `search-${Math.random()}`;
    const c = cache();
    const messages: SearchDoc[] = [
      doc('general', 1, 'alice', 'The deploy is Friday'),
      doc('general', 2, 'bob', 'Friday works, see https://example.org/plan'),
      doc('random', 3, 'alice', 'Pizza on friday?'),
      doc('general', 4, 'bob', 'Report attached', { hasFile: true }),
      doc('general', 5, 'alice', 'Delete me: secretword'),
    ];
    for (const m of messages) c.set(m.channelId, m.version, m.text);
    let index = await SearchIndex.open(c.source, name);
    await index.add(messages);

    const friday = await index.search({ text: 'FRIDAY' });
    expect(friday.map((h) => h.seq)).toEqual([3, 2, 1]);
    expect(friday[0]!.text.slice(...friday[0]!.highlights[0]!)).toBe('friday');
    expect((await index.search({ text: 'friday', from: 'alice' })).map((h) => h.seq)).toEqual([3, 1]);
    expect((await index.search({ text: 'friday', in: 'general' })).map((h) => h.seq)).toEqual([2, 1]);
    expect((await index.search({ text: '', has: ['link'] })).map((h) => h.seq)).toEqual([2]);
    expect((await index.search({ text: '', has: ['file'] })).map((h) => h.seq)).toEqual([4]);
    expect((await index.search({ text: 'friday', before: messages[2]!.ts })).map((h) => h.seq)).toEqual([2, 1]);
    expect((await index.search({ text: 'friday', after: messages[1]!.ts })).map((h) => h.seq)).toEqual([3, 2]);
    expect(await index.search({ text: 'deploy friday pizza' })).toEqual([]);
    expect(await index.search({ text: 'fri' })).toEqual([]);

    // An edit: the new words match, the old ones no longer do.
    c.set('general', 6, 'The deploy is Monday');
    await index.add([{ ...messages[0]!, version: 6, text: 'The deploy is Monday' }]);
    expect((await index.search({ text: 'monday' })).map((h) => [h.seq, h.text])).toEqual([[1, 'The deploy is Monday']]);
    expect((await index.search({ text: 'friday' })).map((h) => h.seq)).toEqual([3, 2]);

    // Removed (deleted or expired): its words leave the stored index.
    await index.flush();
    expect(await storedText(name)).toContain('secretword');
    c.drop('general', 5);
    await index.remove('general', 5, ['Delete me: secretword']);
    await index.flush();
    expect(await storedText(name)).not.toContain('secretword');
    expect(await index.search({ text: 'secretword' })).toEqual([]);

    // Reopened from storage: the same answers.
    index.close();
    index = await SearchIndex.open(c.source, name);
    expect((await index.search({ text: 'friday' })).map((h) => h.seq)).toEqual([3, 2]);
    expect((await index.search({ text: 'monday deploy' })).map((h) => h.seq)).toEqual([1]);
    // Adding the same version again indexes nothing twice.
    await index.add([messages[1]!]);
    expect((await index.search({ text: 'works' })).map((h) => h.seq)).toEqual([2]);
    index.close();
  });
});

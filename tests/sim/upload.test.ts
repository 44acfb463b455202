/**
 * Issue #13, "resume": the web client's own upload code (client/src/files/transfer.ts), run in
 * Node against the real server, has its connection cut twice in the middle of an upload — once
 * after the server stored a part but before its answer arrived, once before a part reached the
 * server — and carries on from where the server says the upload stands. The file downloaded and
 * decrypted by the other member is byte-identical.
 */
import { createHash, randomBytes } from 'node:crypto';
import { expect, it } from 'vitest';
import { FILE_PART_BYTES } from '../../protocol/files';
import { twoInACommunity, worldSuite } from './world';

const suite = worldSuite();

it('an upload cut mid-way (answer lost, request lost) resumes; the received file is byte-identical', async () => {
  const { alice, bob, a0, b0, channelId } = await twoInACommunity('up', 'Uploads');

  const original = randomBytes(5 * FILE_PART_BYTES + 12_345);
  const realFetch = globalThis.fetch;
  const cuts: string[] = [];
  let partsStored = 0;
  globalThis.fetch = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = String(input);
    const part = /\/api\/files\/[A-Za-z0-9_-]{22}\/parts\/(\d+)$/.exec(url)?.[1];
    if (part === '1' && !cuts.includes('answer-lost')) {
      // The part reaches the server, the answer never reaches us.
      await realFetch(input, init);
      cuts.push('answer-lost');
      throw new TypeError('network connection lost');
    }
    if (part === '3' && !cuts.includes('request-lost')) {
      cuts.push('request-lost');
      throw new TypeError('network connection lost');
    }
    const res = await realFetch(input, init);
    if (part !== undefined && res.ok) partsStored++;
    return res;
  }) as typeof fetch;
  let ref;
  const progress: number[] = [];
  try {
    ref = await a0.client.files.uploadFile(channelId, new File([original], 'big.bin', { type: 'application/octet-stream' }), (p) => progress.push(p), new AbortController().signal);
  } finally {
    globalThis.fetch = realFetch;
  }
  expect(cuts).toEqual(['answer-lost', 'request-lost']);
  // Six parts of ciphertext; part 1 was stored by the request whose answer was lost.
  expect(partsStored).toBe(5);
  expect(progress.at(-1)).toBe(1);
  expect(progress).toEqual([...progress].sort((x, y) => x - y));

  // Bob, another member, downloads and decrypts it through his own client.
  const blob = await b0.client.files.openFileBlob(ref);
  const received = Buffer.from(await blob.arrayBuffer());
  expect(received.length).toBe(original.length);
  expect(createHash('sha256').update(received).digest('hex')).toBe(createHash('sha256').update(original).digest('hex'));
  for (const d of [...alice.devices, ...bob.devices]) d.stop();
}, 120_000);

/**
 * Issue #13: the streaming file encryption refuses every change to the ciphertext with a typed
 * error — a chunk reordered, dropped, repeated, truncated, extended or flipped — and streams
 * (the output of a large file arrives chunk by chunk, sized as declared in advance).
 */
import { describe, expect, it } from 'vitest';
import { maxCiphertextBytes } from '../../../protocol/files';
import { CryptoError } from './errors';
import { FILE_CHUNK_BYTES, FILE_HEADER_BYTES, FILE_TAG_BYTES, decryptFileBytes, decryptFileStream, encryptFileBytes, encryptFileStream, encryptedFileSize, fileChunkCount, newFileKey, newFilePrefix, openFileChunks, openFileReadable, padStream, sealedChunkRange, paddedFileSize, unpadStream } from './FileCipher';

const SEALED = FILE_CHUNK_BYTES + FILE_TAG_BYTES;

function bytes(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) out[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
  return out;
}

async function failure(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'accepted';
  } catch (e) {
    if (e instanceof CryptoError) return e.code;
    throw e;
  }
}

/** The chunks of a sealed file: [header, chunk 0, chunk 1, …]. */
function split(sealed: Uint8Array): Uint8Array[] {
  const out = [sealed.slice(0, FILE_HEADER_BYTES)];
  for (let at = FILE_HEADER_BYTES; at < sealed.length; at += SEALED) out.push(sealed.slice(at, at + SEALED));
  return out;
}
const join = (parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) (out.set(p, at), (at += p.length));
  return out;
};

describe('FileCipher', () => {
  it('round-trips sizes around the chunk boundary, with the length known in advance', async () => {
    const key = newFileKey();
    for (const n of [0, 1, FILE_CHUNK_BYTES - 1, FILE_CHUNK_BYTES, FILE_CHUNK_BYTES + 1, 3 * FILE_CHUNK_BYTES, 3 * FILE_CHUNK_BYTES + 17]) {
      const plain = bytes(n, n + 1);
      const sealed = await encryptFileBytes(key, plain);
      expect(sealed.length).toBe(encryptedFileSize(n));
      expect(maxCiphertextBytes(n)).toBe(encryptedFileSize(paddedFileSize(n)));
      expect(await decryptFileBytes(key, sealed)).toEqual(plain);
    }
  });

  it('streams: pieces of any size in, one chunk at a time out, never the whole file', async () => {
    const key = newFileKey();
    const plain = bytes(5 * FILE_CHUNK_BYTES + 123);
    const pieces: Uint8Array[] = [];
    for (let at = 0; at < plain.length; at += 10_007) pieces.push(plain.subarray(at, at + 10_007));
    const source = new ReadableStream<Uint8Array>({ pull: (c) => (pieces.length ? c.enqueue(pieces.shift()!) : c.close()) });
    const out: number[] = [];
    const decrypted: Uint8Array[] = [];
    await source
      .pipeThrough(encryptFileStream(key))
      .pipeThrough(new TransformStream({ transform: (chunk, c) => (out.push(chunk.length), c.enqueue(chunk)) }))
      .pipeThrough(decryptFileStream(key))
      .pipeTo(new WritableStream({ write: (c) => void decrypted.push(c) }));
    expect(out).toEqual([FILE_HEADER_BYTES, SEALED, SEALED, SEALED, SEALED, SEALED, 123 + FILE_TAG_BYTES]);
    expect(decrypted.every((c) => c.length <= FILE_CHUNK_BYTES)).toBe(true);
    expect(join(decrypted)).toEqual(plain);
  });

  it('F1: refuses a reordered, dropped, repeated, truncated, extended or flipped file with a typed error', async () => {
    const key = newFileKey();
    const plain = bytes(3 * FILE_CHUNK_BYTES + 500);
    const sealed = await encryptFileBytes(key, plain);
    const [header, c0, c1, c2, last] = split(sealed) as [Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array];
    expect(await failure(decryptFileBytes(key, join([header, c1, c0, c2, last])))).toBe('tampered'); // reordered
    expect(await failure(decryptFileBytes(key, join([header, c0, c2, last])))).toBe('tampered'); // dropped
    expect(await failure(decryptFileBytes(key, join([header, c0, c0, c1, c2, last])))).toBe('tampered'); // repeated
    expect(await failure(decryptFileBytes(key, join([header, c0, c1, c2])))).toBe('file-truncated'); // cut after a chunk
    expect(await failure(decryptFileBytes(key, sealed.slice(0, sealed.length - 10)))).toBe('tampered'); // cut inside the last
    expect(await failure(decryptFileBytes(key, join([header, c0, c1, c2, last, c0])))).toBe('tampered'); // extended
    expect(await failure(decryptFileBytes(key, new Uint8Array(0)))).toBe('file-truncated'); // nothing
    expect(await failure(decryptFileBytes(key, header))).toBe('file-truncated'); // header only
    for (const at of [0, 1, 5, FILE_HEADER_BYTES + 3, FILE_HEADER_BYTES + SEALED + 9, sealed.length - 1]) {
      const flipped = sealed.slice();
      flipped[at]! ^= 0x01;
      expect([ 'tampered', 'unknown-version', 'malformed' ]).toContain(await failure(decryptFileBytes(key, flipped)));
    }
    // Another file's key, or the chunks of another file under the same key, do not open.
    expect(await failure(decryptFileBytes(newFileKey(), sealed))).toBe('tampered');
    const other = split(await encryptFileBytes(key, plain));
    expect(await failure(decryptFileBytes(key, join([header, c0, other[2]!, c2, last])))).toBe('tampered');
    expect(await decryptFileBytes(key, sealed)).toEqual(plain);
  });

  it('a resumed upload: the same key and nonce prefix encrypt the same file to the same bytes; otherwise every file differs', async () => {
    const plain = bytes(3 * FILE_CHUNK_BYTES + 99, 7);
    const key = newFileKey();
    const prefix = newFilePrefix();
    const seal = async (p: Uint8Array, k: Uint8Array, pre?: Uint8Array) => new Uint8Array(await new Response(new Blob([p as Uint8Array<ArrayBuffer>]).stream().pipeThrough(encryptFileStream(k, pre))).arrayBuffer());
    const first = await seal(plain, key, prefix);
    expect(Buffer.compare(await seal(plain, key, prefix), first)).toBe(0);
    // Without the prefix given, a fresh one: the same file and key give other bytes.
    expect(Buffer.compare(await seal(plain, key), first)).not.toBe(0);
    expect(Buffer.from(await decryptFileBytes(key, first)).equals(Buffer.from(plain))).toBe(true);
    expect(() => encryptFileStream(key, new Uint8Array(3))).toThrow(CryptoError);
  });

  it('F1: random access (streamed media): chunks from the middle open alone; one moved, or the last opened as not-final, is refused', async () => {
    const plain = bytes(5 * FILE_CHUNK_BYTES + 1234, 9);
    const key = newFileKey();
    const sealed = await encryptFileBytes(key, plain);
    const header = sealed.subarray(0, FILE_HEADER_BYTES);
    expect(fileChunkCount(plain.length)).toBe(6);
    const { start, end } = sealedChunkRange(plain.length, 2, 3);
    const middle = await openFileChunks(key, header, plain.length, 2, sealed.subarray(start, end));
    expect(Buffer.from(middle).equals(Buffer.from(plain.subarray(2 * FILE_CHUNK_BYTES, 4 * FILE_CHUNK_BYTES)))).toBe(true);
    const tail = sealedChunkRange(plain.length, 5, 5);
    expect(tail.end).toBe(sealed.length);
    expect(Buffer.from(await openFileChunks(key, header, plain.length, 5, sealed.subarray(tail.start, tail.end))).equals(Buffer.from(plain.subarray(5 * FILE_CHUNK_BYTES)))).toBe(true);
    // Chunk 2's bytes offered as chunk 3; the final chunk offered where the file would go on.
    expect(await failure(openFileChunks(key, header, plain.length, 3, sealed.subarray(start, start + SEALED)))).toBe('tampered');
    expect(await failure(openFileChunks(key, header, plain.length + FILE_CHUNK_BYTES, 5, sealed.subarray(tail.start, tail.end)))).toBe('tampered');
  });

  it('pads to a Padmé size bucket (at most 12% more, under 6% above 1 MiB) and drops the padding on the way out', async () => {
    let last = 0;
    for (const n of [0, 1, 2, 3, 100, 1000, 4097, 65_536, 1_000_000, 5_000_000, 123_456_789, 2 ** 33 + 7]) {
      const p = paddedFileSize(n);
      expect(p).toBeGreaterThanOrEqual(n);
      expect(p).toBeGreaterThanOrEqual(last);
      expect(p - n).toBeLessThanOrEqual(Math.ceil(n * (n > 1024 * 1024 ? 0.06 : 0.12)));
      last = p;
    }
    // Sizes close together share a bucket: the server cannot tell 5,000,000 from 5,000,001 bytes.
    expect(paddedFileSize(5_000_000)).toBe(paddedFileSize(5_000_001));
    const key = newFileKey();
    const plain = bytes(70_000, 7);
    const sealed = await encryptFileBytes(key, new Uint8Array(await new Response(new Blob([plain as Uint8Array<ArrayBuffer>]).stream().pipeThrough(padStream(plain.length))).arrayBuffer()));
    expect(sealed.length).toBe(encryptedFileSize(paddedFileSize(plain.length)));
    const out = new Uint8Array(await new Response(new Blob([sealed as Uint8Array<ArrayBuffer>]).stream().pipeThrough(decryptFileStream(key)).pipeThrough(unpadStream(plain.length))).arrayBuffer());
    expect(out).toEqual(plain);
    // A file shorter than its message says is cut off, not quietly short.
    expect(await failure(new Response(new Blob([plain as Uint8Array<ArrayBuffer>]).stream().pipeThrough(unpadStream(plain.length + 1))).arrayBuffer())).toBe('file-truncated');
  });

  it('F1: openFileReadable: the plaintext without its padding in one stream, even when the padding fills whole chunks; the same refusals', async () => {
    const key = newFileKey();
    // 4,194,305 bytes pad to 2 more chunks of zeros less one byte: whole chunks that give nothing.
    const plain = bytes(4_194_305, 3);
    expect(paddedFileSize(plain.length) - plain.length).toBeGreaterThan(FILE_CHUNK_BYTES);
    const padded = new Uint8Array(paddedFileSize(plain.length));
    padded.set(plain);
    const sealed = await encryptFileBytes(key, padded);
    /** The sealed bytes as a stream of 10,007-byte pieces (pieces straddle chunks). */
    const pieces = (b: Uint8Array) => {
      let at = 0;
      return new ReadableStream<Uint8Array>({ pull: (c) => (at < b.length ? c.enqueue(b.slice(at, (at += 10_007))) : c.close()) });
    };
    const read = async (b: Uint8Array, size = plain.length) => new Uint8Array(await new Response(openFileReadable(pieces(b), key, size)).arrayBuffer());
    const out = await read(sealed);
    expect(out.length).toBe(plain.length);
    expect(Buffer.from(out).equals(Buffer.from(plain))).toBe(true);
    // Sizes around a chunk, unpadded and padded alike, and an empty file.
    for (const n of [0, 1, FILE_CHUNK_BYTES, FILE_CHUNK_BYTES + 1]) {
      const small = bytes(n, n + 5);
      expect(Buffer.from(await read(await encryptFileBytes(key, small), n)).equals(Buffer.from(small))).toBe(true);
    }
    const [header, c0, c1, ...rest] = split(sealed) as [Uint8Array, Uint8Array, Uint8Array, ...Uint8Array[]];
    expect(await failure(read(join([header, c1, c0, ...rest])))).toBe('tampered'); // reordered
    expect(await failure(read(join([header, c0, ...rest])))).toBe('tampered'); // dropped
    expect(await failure(read(join([header, c0, c1, ...rest.slice(0, -1)])))).toBe('file-truncated'); // cut after a chunk
    expect(await failure(read(sealed.slice(0, sealed.length - 10)))).toBe('tampered'); // cut inside the last
    const flipped = sealed.slice();
    flipped[FILE_HEADER_BYTES + 2 * SEALED + 7]! ^= 0x80;
    expect(await failure(read(flipped))).toBe('tampered');
    // A message that says the file is longer than what opens: cut off, not quietly short.
    expect(await failure(read(sealed, padded.length + 1))).toBe('file-truncated');
  });
});

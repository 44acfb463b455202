/**
 * Encrypted files (issue #13): a file is encrypted on the sending device under a fresh random
 * 256-bit key, in fixed-size chunks, as a stream — neither side ever holds the whole file.
 *
 * Format: a header (version, kind 0x0f, a 7-byte random nonce prefix), then the chunks. Every
 * plaintext chunk is FILE_CHUNK_BYTES (64 KiB) except the last, which may be shorter (or empty,
 * for an empty file). Chunk i is AES-256-GCM under the file key with the 12-byte nonce
 * `prefix(7) || u32be(i) || final(1)`, where `final` is 1 on the last chunk and 0 on the others,
 * and the associated data is framed(FILE_AD_LABEL, header). So:
 * - a chunk moved, dropped or repeated has the wrong counter in its nonce and fails to
 *   authenticate (`tampered`);
 * - a stream cut after a whole chunk ends on a chunk sealed as not-final (`file-truncated`), and
 *   one with a chunk added after the final one fails on the final one (`tampered`);
 * - a flipped bit anywhere fails its chunk (`tampered`); the header is in every chunk's AD.
 * This is the STREAM construction (Hoang, Reyhanitabar, Rogaway, Vizár 2015), as in age and
 * Tink's streaming AEAD. Nonces never repeat: the key is used for one file only, and the counter
 * is unique per chunk. AES-GCM through WebCrypto: the browser's native code encrypts, so a
 * 200 MiB file costs seconds, not minutes of JavaScript.
 *
 * The key, the name, the type and the size travel inside the message's own ciphertext; the server
 * stores only these chunks and learns the ciphertext length, which is the plaintext length plus
 * 9 bytes of header and 16 per 64 KiB (see SECURITY.md).
 */
import { CryptoError } from './errors';
import { FORMAT_VERSION, Kind, framed, utf8 } from './encoding';

/** Plaintext bytes per chunk: large enough that the tag costs 0.02%, small enough to stream. */
export const FILE_CHUNK_BYTES = 64 * 1024;
/** AES-GCM tag bytes per chunk. */
export const FILE_TAG_BYTES = 16;
/** Bytes of the random nonce prefix in the header. */
const PREFIX_BYTES = 7;
/** Header: version, kind, nonce prefix. */
export const FILE_HEADER_BYTES = 2 + PREFIX_BYTES;
/** Label starting every chunk's associated data. */
export const FILE_AD_LABEL = 'Chatalot/File/v1';
/** Most chunks in one file: the counter is a u32. */
const MAX_CHUNKS = 0xffffffff;

/**
 * The length a file is padded to before encryption (Padmé, Nikitin et al., "Reducing Metadata
 * Leakage from Encrypted Files and Communication with PURBs", PETS 2019): the server then learns
 * a size bucket, not the exact size — O(log log n) bits of it — for at most 12% more bytes
 * (under 6% above 1 MiB, 0.4% above 1 GiB). Zeros are appended; the message carries the true size
 * and the receiver drops the rest.
 */
export function paddedFileSize(size: number): number {
  if (size < 2) return size;
  const e = Math.floor(Math.log2(size));
  const s = Math.floor(Math.log2(e)) + 1;
  const mask = 2 ** (e - s) - 1;
  return Math.ceil(size / (mask + 1)) * (mask + 1);
}

/** Appends zeros to a stream of `size` bytes until it is `paddedFileSize(size)` long. */
export function padStream(size: number): TransformStream<Uint8Array, Uint8Array> {
  return new TransformStream({
    flush(controller) {
      let left = paddedFileSize(size) - size;
      while (left > 0) {
        const n = Math.min(left, FILE_CHUNK_BYTES);
        controller.enqueue(new Uint8Array(n));
        left -= n;
      }
    },
  });
}

/** Passes the first `size` bytes of a stream (the file without its padding) and drops the rest. */
export function unpadStream(size: number): TransformStream<Uint8Array, Uint8Array> {
  let left = size;
  return new TransformStream({
    transform(chunk, controller) {
      if (left <= 0) return;
      controller.enqueue(chunk.length <= left ? chunk : chunk.subarray(0, left));
      left -= Math.min(left, chunk.length);
    },
    flush() {
      if (left > 0) throw new CryptoError('file-truncated', 'file');
    },
  });
}

/** The ciphertext length of a plaintext of `size` bytes: known before encrypting, so an upload can declare it. */
export function encryptedFileSize(size: number): number {
  const chunks = Math.max(1, Math.ceil(size / FILE_CHUNK_BYTES));
  return FILE_HEADER_BYTES + size + chunks * FILE_TAG_BYTES;
}

/** A fresh random file key (raw bytes, carried inside the message ciphertext). */
export function newFileKey(): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(32));
}

async function importKey(raw: Uint8Array, usage: KeyUsage): Promise<CryptoKey> {
  if (raw.length !== 32) throw new CryptoError('malformed', 'file');
  return crypto.subtle.importKey('raw', raw as Uint8Array<ArrayBuffer>, 'AES-GCM', false, [usage]);
}

function nonce(prefix: Uint8Array, counter: number, final: boolean): Uint8Array<ArrayBuffer> {
  if (counter > MAX_CHUNKS) throw new CryptoError('malformed', 'file');
  const n = new Uint8Array(12);
  n.set(prefix);
  new DataView(n.buffer).setUint32(PREFIX_BYTES, counter);
  n[11] = final ? 1 : 0;
  return n;
}

/**
 * Chunks sealed or opened at once: WebCrypto runs each on its own thread, so a few in flight keep
 * the cores busy while the stream waits on the network; they are passed on in order. Bounds
 * memory to this many chunks (512 KiB).
 */
const FILE_CRYPTO_CONCURRENCY = 8;

/** A promise whose rejection is handled now and rethrown when it is awaited in turn. */
function settled<T>(p: Promise<T>): Promise<T> {
  p.catch(() => undefined);
  return p;
}

/** Collects incoming pieces into fixed-size blocks without copying more than once. */
class Blocks {
  private pieces: Uint8Array[] = [];
  private length = 0;
  constructor(private readonly size: number) {}
  push(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.pieces.push(bytes);
    this.length += bytes.length;
  }
  get buffered(): number {
    return this.length;
  }
  /**
   * Takes up to `n` bytes (all when fewer are held): a view of the first piece when it holds them
   * all (streams from disk and the network mostly arrive in pieces at least a chunk long), a copy
   * only when they straddle pieces. Copying every chunk cost a tenth of a transfer's main thread.
   */
  take(n = this.size): Uint8Array<ArrayBuffer> {
    const want = Math.min(n, this.length);
    const first = this.pieces[0];
    if (first && first.length >= want) {
      if (first.length === want) this.pieces.shift();
      else this.pieces[0] = first.subarray(want);
      this.length -= want;
      return first.subarray(0, want) as Uint8Array<ArrayBuffer>;
    }
    const out = new Uint8Array(want);
    let filled = 0;
    while (filled < out.length) {
      const head = this.pieces[0]!;
      const used = Math.min(head.length, out.length - filled);
      out.set(head.subarray(0, used), filled);
      filled += used;
      if (used === head.length) this.pieces.shift();
      else this.pieces[0] = head.subarray(used);
    }
    this.length -= out.length;
    return out;
  }
}

/** A fresh random nonce prefix for one file (one per key: a key is never used for two files). */
export function newFilePrefix(): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(PREFIX_BYTES));
}

/**
 * A stream that encrypts what is written to it. One chunk is held back until the next byte (or
 * the end) shows whether it is the last, so the final flag is always right.
 *
 * `prefix` is given only to encrypt the same file again under the same key (a resumed upload,
 * files/transfer.ts), which gives the same bytes: nonces are reused only for the same plaintext,
 * and the resuming caller checks that by comparing the parts it already sent.
 */
export function encryptFileStream(rawKey: Uint8Array, prefix: Uint8Array = newFilePrefix()): TransformStream<Uint8Array, Uint8Array> {
  if (prefix.length !== PREFIX_BYTES) throw new CryptoError('malformed', 'file');
  const header = new Uint8Array([FORMAT_VERSION, Kind.FileStream, ...prefix]);
  const ad = framed(utf8(FILE_AD_LABEL), header) as Uint8Array<ArrayBuffer>;
  const blocks = new Blocks(FILE_CHUNK_BYTES);
  let key: Promise<CryptoKey> | null = null;
  let counter = 0;
  const seal = (plain: Uint8Array<ArrayBuffer>, final: boolean) => settled(encryptChunk(nonce(prefix, counter++, final), plain));
  const encryptChunk = async (iv: Uint8Array<ArrayBuffer>, plain: Uint8Array<ArrayBuffer>) => new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: ad }, await key!, plain));
  const queue: Promise<Uint8Array>[] = [];
  return new TransformStream<Uint8Array, Uint8Array>({
    start(controller) {
      key = importKey(rawKey, 'encrypt');
      controller.enqueue(header);
    },
    async transform(piece, controller) {
      blocks.push(piece);
      // Strictly more than a chunk: the held-back chunk is not the last.
      while (blocks.buffered > FILE_CHUNK_BYTES) queue.push(seal(blocks.take(), false));
      while (queue.length > FILE_CRYPTO_CONCURRENCY) controller.enqueue(await queue.shift()!);
    },
    async flush(controller) {
      queue.push(seal(blocks.take(), true));
      while (queue.length > 0) controller.enqueue(await queue.shift()!);
    },
  });
}

/**
 * Opens a file's ciphertext as it arrives: `push` takes the next bytes and returns the chunks they
 * complete, each a promise of its plaintext (started at once, so several are opened together),
 * in order; `end` opens the last chunk. Anything wrong is a typed CryptoError (see the file
 * comment): a chunk's promise rejects with `tampered`, the end with `file-truncated` when the
 * stream stops after a whole chunk that was not sealed as the last.
 */
class FileOpener {
  private readonly blocks = new Blocks(FILE_CHUNK_BYTES + FILE_TAG_BYTES);
  private readonly key: Promise<CryptoKey>;
  private prefix: Uint8Array | null = null;
  private ad: Uint8Array<ArrayBuffer> | null = null;
  private counter = 0;

  constructor(rawKey: Uint8Array) {
    this.key = importKey(rawKey, 'decrypt');
    this.key.catch(() => undefined);
  }

  private async open(sealed: Uint8Array<ArrayBuffer>, final: boolean, at: number): Promise<Uint8Array> {
    try {
      return new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-GCM', iv: nonce(this.prefix!, at, final), additionalData: this.ad! }, await this.key, sealed));
    } catch {
      throw new CryptoError('tampered', 'file');
    }
  }

  private readHeader(): void {
    if (this.prefix || this.blocks.buffered < FILE_HEADER_BYTES) return;
    const header = this.blocks.take(FILE_HEADER_BYTES);
    if (header[0] !== FORMAT_VERSION) throw new CryptoError('unknown-version', 'file');
    if (header[1] !== Kind.FileStream) throw new CryptoError('malformed', 'file');
    this.prefix = header.slice(2);
    this.ad = framed(utf8(FILE_AD_LABEL), header) as Uint8Array<ArrayBuffer>;
  }

  push(piece: Uint8Array): Promise<Uint8Array>[] {
    this.blocks.push(piece);
    this.readHeader();
    const opened: Promise<Uint8Array>[] = [];
    if (!this.prefix) return opened;
    // Strictly more than a chunk: the held-back chunk may be the last.
    while (this.blocks.buffered > FILE_CHUNK_BYTES + FILE_TAG_BYTES) opened.push(settled(this.open(this.blocks.take(), false, this.counter++)));
    return opened;
  }

  async end(): Promise<Uint8Array> {
    this.readHeader();
    if (!this.prefix || this.blocks.buffered < FILE_TAG_BYTES) throw new CryptoError('file-truncated', 'file');
    const last = this.blocks.take();
    try {
      return await this.open(last, true, this.counter);
    } catch (e) {
      // A whole chunk sealed as not-final where the stream ended: the rest was cut off.
      const cut = await this.open(last, false, this.counter).then(
        () => true,
        () => false,
      );
      throw cut ? new CryptoError('file-truncated', 'file') : e;
    }
  }
}

/**
 * A stream that decrypts a file's ciphertext, chunk by chunk, refusing it with a typed
 * CryptoError the moment anything is wrong (see the file comment).
 */
export function decryptFileStream(rawKey: Uint8Array): TransformStream<Uint8Array, Uint8Array> {
  let opener: FileOpener | null = null;
  const queue: Promise<Uint8Array>[] = [];
  return new TransformStream<Uint8Array, Uint8Array>({
    start() {
      opener = new FileOpener(rawKey);
    },
    async transform(piece, controller) {
      queue.push(...opener!.push(piece));
      while (queue.length > FILE_CRYPTO_CONCURRENCY) controller.enqueue(await queue.shift()!);
    },
    async flush(controller) {
      while (queue.length > 0) controller.enqueue(await queue.shift()!);
      controller.enqueue(await opener!.end());
    },
  });
}

/**
 * The plaintext of a file of `size` bytes (its padding dropped) from its ciphertext `source`, as
 * one stream read straight from the source: what `decryptFileStream` and `unpadStream` piped
 * together give, without two more hops per chunk (a saved download is a third faster this way).
 */
export function openFileReadable(source: ReadableStream<Uint8Array>, rawKey: Uint8Array, size: number): ReadableStream<Uint8Array> {
  const reader = source.getReader();
  const opener = new FileOpener(rawKey);
  const queue: Promise<Uint8Array>[] = [];
  let left = size;
  let ended = false;
  /** Hands on the file's part of `plain` (none of the padding); whether anything went. */
  const give = (controller: ReadableStreamDefaultController<Uint8Array>, plain: Uint8Array) => {
    if (left <= 0 || plain.length === 0) return false;
    controller.enqueue(plain.length <= left ? plain : plain.subarray(0, left));
    left -= Math.min(left, plain.length);
    return true;
  };
  return new ReadableStream<Uint8Array>({
    // Each pull hands on one chunk or ends the stream (a pull that gave nothing would stall it).
    async pull(controller) {
      try {
        for (;;) {
          // Keep up to FILE_CRYPTO_CONCURRENCY chunks opening while one is handed on.
          while (!ended && queue.length <= FILE_CRYPTO_CONCURRENCY) {
            const { done, value } = await reader.read();
            if (done) {
              ended = true;
              queue.push(settled(opener.end()));
            } else queue.push(...opener.push(value));
          }
          const next = queue.shift();
          if (next && give(controller, await next)) return;
          if (ended && queue.length === 0) {
            if (left > 0) throw new CryptoError('file-truncated', 'file');
            return controller.close();
          }
        }
      } catch (e) {
        await reader.cancel().catch(() => undefined);
        throw e;
      }
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  }, new ByteLengthQueuingStrategy({ highWaterMark: 1024 * 1024 }));
}

/** Encrypts bytes held in memory (small files: thumbnails, tests). */
export async function encryptFileBytes(rawKey: Uint8Array, plain: Uint8Array): Promise<Uint8Array> {
  return collect(new Blob([plain as Uint8Array<ArrayBuffer>]).stream().pipeThrough(encryptFileStream(rawKey)));
}

/** Decrypts bytes held in memory. */
export async function decryptFileBytes(rawKey: Uint8Array, sealed: Uint8Array): Promise<Uint8Array> {
  return collect(new Blob([sealed as Uint8Array<ArrayBuffer>]).stream().pipeThrough(decryptFileStream(rawKey)));
}

async function collect(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let total = 0;
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
    total += value.length;
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const p of parts) (out.set(p, offset), (offset += p.length));
  return out;
}

/**
 * Random access to an encrypted file, for playing media from the middle (files/mediaStream.ts):
 * which ciphertext bytes hold plaintext chunks `first`..`last`, and how to open them. A file of
 * `paddedSize` plaintext bytes has ceil(paddedSize / FILE_CHUNK_BYTES) chunks (at least one); the
 * last is sealed as final, so a range cut short or a chunk moved is still refused as tampered.
 */
export function fileChunkCount(paddedSize: number): number {
  return Math.max(1, Math.ceil(paddedSize / FILE_CHUNK_BYTES));
}

/** The ciphertext byte range [start, end) of chunks `first`..`last` (inclusive). */
export function sealedChunkRange(paddedSize: number, first: number, last: number): { start: number; end: number } {
  const sealed = FILE_CHUNK_BYTES + FILE_TAG_BYTES;
  return { start: FILE_HEADER_BYTES + first * sealed, end: Math.min(encryptedFileSize(paddedSize), FILE_HEADER_BYTES + (last + 1) * sealed) };
}

/**
 * Opens chunks `first`.. of a file from their ciphertext (`sealedChunks`, as `sealedChunkRange`
 * cut it) and the file's header; the plaintext of those chunks, concatenated. A typed
 * CryptoError (`tampered`, `malformed`, `unknown-version`) when anything is wrong.
 */
export async function openFileChunks(rawKey: Uint8Array, header: Uint8Array, paddedSize: number, first: number, sealedChunks: Uint8Array): Promise<Uint8Array> {
  if (header.length !== FILE_HEADER_BYTES) throw new CryptoError('malformed', 'file');
  if (header[0] !== FORMAT_VERSION) throw new CryptoError('unknown-version', 'file');
  if (header[1] !== Kind.FileStream) throw new CryptoError('malformed', 'file');
  const prefix = header.slice(2);
  const ad = framed(utf8(FILE_AD_LABEL), header) as Uint8Array<ArrayBuffer>;
  const key = await importKey(rawKey, 'decrypt');
  const lastChunk = fileChunkCount(paddedSize) - 1;
  const sealed = FILE_CHUNK_BYTES + FILE_TAG_BYTES;
  const opened: Promise<Uint8Array>[] = [];
  for (let at = 0, i = first; at < sealedChunks.length; at += sealed, i++) {
    const piece = sealedChunks.slice(at, at + sealed);
    opened.push(
      crypto.subtle.decrypt({ name: 'AES-GCM', iv: nonce(prefix, i, i === lastChunk), additionalData: ad }, key, piece).then(
        (b) => new Uint8Array(b),
        () => {
          throw new CryptoError('tampered', 'file');
        },
      ),
    );
  }
  const parts = await Promise.all(opened);
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) (out.set(p, at), (at += p.length));
  return out;
}

/**
 * Moving encrypted files (issue #13). An upload reads the file as a stream, encrypts it chunk by
 * chunk (crypto/FileCipher.ts) and sends it in parts of the server's part size, holding one part
 * in memory; a part whose answer is lost is sent again after asking the server where the upload
 * stands (a dropped connection resumes where it stopped). A download streams the ciphertext and
 * decrypts it chunk by chunk; what it shows inline (images, video, audio) is kept as an object
 * URL in a cache bounded by size, per page.
 *
 * The file key, name, type and size go into the message (e2ee/MessageBody.ts FileRef), encrypted
 * with it; the server sees the ciphertext and its size only.
 */
import { ApiRequestError } from '../api/http';
import { deleteFile, fileContent, startUpload, uploadPart, uploadStatus } from '../api/files';
import { FILE_TAG_BYTES, encryptFileStream, encryptedFileSize, newFileKey, newFilePrefix, openFileReadable, padStream, paddedFileSize } from '../crypto/FileCipher';
import { deviceDb } from '../stores/DeviceDb';
import { fromBase64, toBase64Url } from '../e2ee/base64';
import { MAX_FILE_NAME_CHARS, MAX_THUMB_CHARS, THUMB_EDGE, type FileRef } from '../e2ee/MessageBody';
import { CryptoError, isCryptoError } from '../crypto/errors';
import { saveThroughWorker, WorkerDownloadError } from './workerDownload';

/** Attempts per part when the network fails (each after asking where the upload stands). */
const PART_ATTEMPTS = 6;
/** Wait before retrying a part, ms (doubled each time). */
const RETRY_START_MS = 500;
/** Decrypted media kept for display per page, bytes: a screenful of photos, not a gallery. */
const CACHE_BYTES = 128 * 1024 * 1024;
/** Images larger than this are not measured before sending (their box is sized when they load). */
const MEASURE_MAX_BYTES = 64 * 1024 * 1024;

export class UploadCancelled extends Error {}

/** Image types the browser shows inline (and whose size is measured before sending). */
export const isImageType = (type: string) => /^image\/(png|jpeg|gif|webp|avif|bmp)$/.test(type);

/**
 * An image's width and height, read before sending so the receiver reserves its box, and its
 * thumbnail, which the receiver shows while the file itself arrives.
 */
async function measure(file: File): Promise<{ width: number; height: number; thumb?: string } | null> {
  if (!isImageType(file.type) || file.size > MEASURE_MAX_BYTES || typeof createImageBitmap === 'undefined') return null;
  try {
    const bitmap = await createImageBitmap(file);
    const size = { width: bitmap.width, height: bitmap.height };
    const thumb = await thumbnail(bitmap).catch(() => null);
    bitmap.close();
    return thumb ? { ...size, thumb } : size;
  } catch {
    return null;
  }
}

/** A THUMB_EDGE-pixel WebP (JPEG where the browser cannot write WebP) of `image`, base64url; null when none fits MAX_THUMB_CHARS. */
async function thumbnail(image: ImageBitmap): Promise<string | null> {
  if (typeof OffscreenCanvas === 'undefined') return null;
  const scale = Math.min(1, THUMB_EDGE / Math.max(image.width, image.height));
  const width = Math.max(1, Math.round(image.width * scale));
  const height = Math.max(1, Math.round(image.height * scale));
  const canvas = new OffscreenCanvas(width, height);
  const context = canvas.getContext('2d');
  if (!context) return null;
  context.drawImage(image, 0, 0, width, height);
  for (const quality of [0.6, 0.3, 0.1]) {
    let blob = await canvas.convertToBlob({ type: 'image/webp', quality });
    if (blob.type !== 'image/webp') blob = await canvas.convertToBlob({ type: 'image/jpeg', quality });
    const encoded = toBase64Url(new Uint8Array(await blob.arrayBuffer()));
    if (encoded.length <= MAX_THUMB_CHARS) return encoded;
  }
  return null;
}

/** The type of a thumbnail's bytes (WebP or JPEG, by their signature), or null for anything else. */
export function thumbType(bytes: Uint8Array): 'image/webp' | 'image/jpeg' | null {
  const ascii = (from: number, to: number) => String.fromCharCode(...bytes.subarray(from, to));
  if (bytes.length > 12 && ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return 'image/webp';
  if (bytes.length > 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  return null;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * An upload this device started and has not finished, kept in the device's database so it can go
 * on after a failure or a reload (the file itself is not kept: the person picks it again). The
 * file key and nonce prefix are kept to encrypt the file again to the same bytes; `partHashes`
 * fingerprint every part already sent (or begun), so a resumed upload proves it is the same file
 * before it sends anything: the same nonces are never used for other bytes. A part's fingerprint
 * is the SHA-256 of the authentication tags of every sealed chunk it overlaps (and of the header
 * in part 0): under one key and nonce a chunk's tag changes with any byte of its plaintext, so
 * equal tags mean equal bytes, and hashing 16 bytes a chunk instead of the whole part took a
 * twelfth of an upload's main thread off it. `v` is 2 for records fingerprinted this way.
 */
export interface UploadRecord {
  id: string;
  channelId: string;
  key: string;
  prefix: string;
  name: string;
  type: string;
  size: number;
  width?: number;
  height?: number;
  thumb?: string;
  partHashes: string[];
  startedAt: number;
  v: 2;
}

/** How long the server keeps an unfinished upload (protocol/files.ts STALE_UPLOAD_MS): older records are dropped. */
const RECORD_DAYS_MS = 24 * 60 * 60 * 1000;
const recordKey = (id: string) => `upload:${id}`;

async function saveRecord(r: UploadRecord): Promise<void> {
  await (await deviceDb()).put('device', recordKey(r.id), r);
}

/** Forgets an unfinished upload (finished, cancelled, or discarded). */
export async function forgetUpload(id: string): Promise<void> {
  await (await deviceDb()).delete('device', recordKey(id));
}

/** Unfinished uploads into `channelId` that this device could resume, oldest first; expired ones are forgotten. */
export async function interruptedUploads(channelId: string): Promise<UploadRecord[]> {
  const db = await deviceDb();
  const all = await db.getAll<UploadRecord>('device', IDBKeyRange.bound('upload:', 'upload:\uffff'));
  const now = Date.now();
  // Records fingerprinted by whole parts (before v2) cannot be checked against a new encryption.
  const usable = (r: UploadRecord) => now - r.startedAt <= RECORD_DAYS_MS && r.v === 2;
  for (const r of all) if (!usable(r)) await forgetUpload(r.id);
  return all.filter((r) => r.channelId === channelId && usable(r)).sort((a, b) => a.startedAt - b.startedAt);
}

/** The file picked to resume `record` is not the one it started with. */
export class NotTheSameFile extends Error {}

/** A part's fingerprint: the SHA-256 of the tags (and header) it overlaps, see UploadRecord. */
async function fingerprint(tags: Uint8Array[]): Promise<string> {
  const all = new Uint8Array(tags.reduce((n, t) => n + t.length, 0));
  let at = 0;
  for (const t of tags) (all.set(t, at), (at += t.length));
  return toBase64Url(new Uint8Array(await crypto.subtle.digest('SHA-256', all)));
}

/**
 * Encrypts and uploads `file` into `channelId`, reporting progress (0–1); resolves with the
 * reference the message carries. `signal` cancels it (the partial upload is deleted). Any other
 * failure leaves the upload on the server and its record here, to resume: `resume` is that record
 * and `file` the same file picked again; what the server already has is not sent again.
 */
export async function uploadFile(channelId: string, file: File, onProgress: (fraction: number) => void, signal: AbortSignal, resume?: UploadRecord, onStarted?: (id: string) => void): Promise<FileRef> {
  if (resume && (resume.size !== file.size || resume.name !== file.name.slice(0, MAX_FILE_NAME_CHARS))) throw new NotTheSameFile('This is not the file that upload started with.');
  const key = resume ? fromBase64(resume.key) : newFileKey();
  const prefix = resume ? fromBase64(resume.prefix) : newFilePrefix();
  // An image is measured while it uploads (decoding a large photo took a fifth of its upload).
  const measuring = resume ? Promise.resolve(resume.width ? { width: resume.width, height: resume.height!, ...(resume.thumb ? { thumb: resume.thumb } : {}) } : null) : measure(file);
  // Padded to a size bucket first (Padmé): the server learns the bucket, not the exact size.
  const size = encryptedFileSize(paddedFileSize(file.size));
  // Resuming: the server says how much it holds (404 once it has swept the upload: start again).
  const standing = resume ? await uploadStatus(resume.id) : null;
  const started = standing ?? (await startUpload(channelId, size));
  const record: UploadRecord = resume ?? { id: started.id, channelId, key: toBase64Url(key), prefix: toBase64Url(prefix), name: file.name.slice(0, MAX_FILE_NAME_CHARS) || 'file', type: file.type || 'application/octet-stream', size: file.size, partHashes: [], startedAt: Date.now(), v: 2 };
  if (!resume) await saveRecord(record);
  // Kept with the next part's record, so an upload resumed after a reload still knows the size.
  void measuring.then((d) => d && Object.assign(record, d));
  onStarted?.(started.id);
  const received = standing?.received ?? 0;
  const partBytes = started.partBytes;
  /** Where a part is gathered before it is copied into its request body. */
  const partBuffer = new Uint8Array(partBytes);
  /** Sends part `n` (starting at ciphertext byte `offset`), again after a failure once the server says it lacks it. */
  const sendPart = async (n: number, offset: number, bytes: Blob) => {
    for (let attempt = 1; ; attempt++) {
      if (signal.aborted) throw new UploadCancelled();
      try {
        await uploadPart(started.id, n, bytes);
        return;
      } catch (e) {
        const retryable = e instanceof ApiRequestError && (e.status === 0 || e.status >= 500 || e.status === 429 || e.status === 409);
        if (!retryable || attempt >= PART_ATTEMPTS) throw e;
        await sleep(RETRY_START_MS * 2 ** (attempt - 1));
        // The answer may have been lost after the part was stored: the server says.
        const status = await uploadStatus(started.id).catch(() => null);
        if (status && status.received >= offset + bytes.size) return;
      }
    }
  };
  const reader = file.stream().pipeThrough(padStream(file.size)).pipeThrough(encryptFileStream(key, prefix)).getReader();
  // One part on the wire while the next is encrypted: two parts in memory at most.
  let inFlight: Promise<void> = Promise.resolve();
  let part = 0;
  let offset = 0;
  const ship = async (pieces: Uint8Array[], length: number, tags: Uint8Array[]) => {
    const n = part++;
    const at = offset;
    offset += length;
    const print = await fingerprint(tags);
    if (n < record.partHashes.length) {
      // Sent (or begun) before: these bytes must be exactly those, or this is another file.
      if (record.partHashes[n] !== print) throw new NotTheSameFile('This is not the file that upload started with.');
      if (at + length <= received) return onProgress((at + length) / size);
    } else {
      // Recorded before it is sent, while the previous part is still on the wire.
      record.partHashes.push(print);
      await saveRecord(record);
    }
    // Gathered into one reused buffer, then copied into a Blob (so the buffer is free at once)
    // while the previous part is still on the wire. Chromium sends a Blob body about five times
    // faster than a typed array, and a Blob of one piece is made in half the time of one of many.
    let filledAt = 0;
    for (const p of pieces) (partBuffer.set(p, filledAt), (filledAt += p.length));
    const body = new Blob([partBuffer.subarray(0, length)]);
    await inFlight;
    inFlight = sendPart(n, at, body).then(() => onProgress((at + length) / size));
    // A failure is thrown by the next wait on it (the next part, or the end).
    inFlight.catch(() => undefined);
  };
  // The part being gathered: pieces of sealed chunks, and the tags of every chunk it overlaps.
  let pieces: Uint8Array[] = [];
  let filled = 0;
  let tags: Uint8Array[] = [];
  let first = true;
  try {
    for (;;) {
      if (signal.aborted) throw new UploadCancelled();
      const { done, value } = await reader.read();
      if (done) break;
      // The stream yields the header, then one sealed chunk at a time (its tag is its last 16 bytes).
      const tag = first ? value : value.subarray(value.length - FILE_TAG_BYTES);
      first = false;
      let chunk: Uint8Array = value;
      tags.push(tag);
      while (chunk.length > 0) {
        const take = Math.min(chunk.length, partBytes - filled);
        pieces.push(chunk.subarray(0, take));
        filled += take;
        chunk = chunk.subarray(take);
        if (filled === partBytes) {
          await ship(pieces, filled, tags);
          pieces = [];
          filled = 0;
          // A chunk that goes on into the next part is checked with that part too.
          tags = chunk.length > 0 ? [tag] : [];
        }
      }
    }
    if (filled > 0) await ship(pieces, filled, tags);
    await inFlight;
    onProgress(1);
  } catch (e) {
    await reader.cancel().catch(() => undefined);
    // Cancelled: nothing is left behind. Another failure keeps the upload to resume (the record
    // says where; the server sweeps it after a day if nobody does).
    if (e instanceof UploadCancelled) {
      await deleteFile(started.id).catch(() => undefined);
      await forgetUpload(started.id).catch(() => undefined);
    }
    throw e;
  }
  await forgetUpload(started.id).catch(() => undefined);
  const ref: FileRef = { id: started.id, key: toBase64Url(key), name: record.name, type: record.type, size: file.size };
  const dims = await measuring;
  if (dims) Object.assign(ref, dims);
  return ref;
}

/** Why a file could not be shown: a typed reason for the UI. */
export class FileOpenError extends Error {
  constructor(
    readonly code: 'not-found' | 'tampered' | 'file-truncated' | 'network' | 'failed',
    message: string,
  ) {
    super(message);
  }
}

/** The decrypted bytes of a file, streamed: ciphertext in, plaintext out, chunk by chunk. */
export async function openFileStream(ref: FileRef): Promise<ReadableStream<Uint8Array>> {
  try {
    const { body } = await fileContent(ref.id);
    return openFileReadable(body, fromBase64(ref.key), ref.size);
  } catch (e) {
    throw asOpenError(e);
  }
}

function asOpenError(e: unknown): FileOpenError {
  if (e instanceof FileOpenError) return e;
  if (e instanceof ApiRequestError) return e.status === 404 ? new FileOpenError('not-found', 'The file is gone, or you can no longer see it.') : new FileOpenError('network', e.message);
  if (isCryptoError(e) && (e.code === 'tampered' || e.code === 'file-truncated')) return new FileOpenError(e.code, e.code === 'tampered' ? 'The file was altered on the way, so it is not shown.' : 'The file was cut off on the way.');
  return new FileOpenError('failed', e instanceof Error ? e.message : String(e));
}

/** The whole decrypted file as a Blob of its type (for a download or an image); the stream is read once. */
export async function openFileBlob(ref: FileRef): Promise<Blob> {
  try {
    const stream = await openFileStream(ref);
    // Response collects the stream into a Blob: the browser may keep it on disk, not in the JS heap.
    const blob = await new Response(stream).blob();
    if (blob.size !== ref.size) throw new FileOpenError('file-truncated', 'The file is not the size its message says.');
    return new Blob([blob], { type: ref.type });
  } catch (e) {
    throw asOpenError(e);
  }
}

/** Object URLs of decrypted media by file id, least recently used first, within CACHE_BYTES. */
const cache = new Map<string, { url: string; bytes: number; pending?: Promise<string> }>();
let cached = 0;

/** An object URL of the decrypted file for display; reused while it stays in the cache. */
export function mediaUrl(ref: FileRef): Promise<string> {
  const hit = cache.get(ref.id);
  if (hit) {
    cache.delete(ref.id);
    cache.set(ref.id, hit);
    return hit.pending ?? Promise.resolve(hit.url);
  }
  const entry = { url: '', bytes: ref.size } as { url: string; bytes: number; pending?: Promise<string> };
  entry.pending = openFileBlob(ref).then(
    (blob) => {
      entry.url = URL.createObjectURL(blob);
      delete entry.pending;
      cached += entry.bytes;
      for (const [id, e] of cache) {
        if (cached <= CACHE_BYTES || e === entry) break;
        if (e.pending) continue;
        URL.revokeObjectURL(e.url);
        cached -= e.bytes;
        cache.delete(id);
      }
      return entry.url;
    },
    (e) => {
      cache.delete(ref.id);
      throw e;
    },
  );
  cache.set(ref.id, entry);
  return entry.pending;
}

/** Drops the decrypted copies of these files from the page (their message disappeared). */
export function forgetMedia(ids: string[]): void {
  for (const id of ids) {
    const e = cache.get(id);
    if (!e || e.pending) continue;
    URL.revokeObjectURL(e.url);
    cached -= e.bytes;
    cache.delete(id);
  }
}

/** Saves a file to the user's downloads under its original name: streamed through the service worker when one controls the page, else from a Blob. */
export async function downloadFile(ref: FileRef): Promise<void> {
  try {
    if (await saveThroughWorker(ref)) return;
  } catch (e) {
    if (!(e instanceof WorkerDownloadError)) throw asOpenError(e);
    // Cancelled in the browser's downloads: the person's choice, not a failure.
    if (e.code === 'cancelled') return;
    throw e.code === 'not-found' ? asOpenError(new ApiRequestError(404, 'not_found', '')) : e.code === 'tampered' || e.code === 'file-truncated' ? asOpenError(new CryptoError(e.code, 'file')) : new FileOpenError('network', 'The download stopped before the end.');
  }
  const blob = await openFileBlob(ref);
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = ref.name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** Human size: 1.2 MB. */
export function formatSize(bytes: number, locale?: string): string {
  const units = ['B', 'KB', 'MB', 'GB'];
  let n = bytes;
  let u = 0;
  while (n >= 1000 && u < units.length - 1) (n /= 1000), u++;
  return `${new Intl.NumberFormat(locale, { maximumFractionDigits: u === 0 ? 0 : 1 }).format(n)} ${units[u]}`;
}

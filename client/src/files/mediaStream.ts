/**
 * Video and audio that play while they arrive (issue #13 item 2). The page gives a `<video>` or
 * `<audio>` the address `/media/{fileId}`; the service worker (pwa/sw.ts) answers the element's
 * Range requests by asking this page, over a MessageChannel, for the plaintext bytes it wants.
 * This page fetches only the ciphertext chunks that cover them (a Range request to the file
 * route, with its own token), opens them (crypto/FileCipher.ts openFileChunks) and hands the
 * bytes back. So playback starts after the first chunks, seeking fetches from the middle, and
 * neither the worker nor the page ever holds the whole file. The key never leaves this page: the
 * worker sees plaintext ranges in transit, as the element does, and keeps nothing.
 *
 * Only files this page registered (those it shows as video or audio) are answered; without a
 * controlling service worker the caller falls back to decrypting the whole file into a Blob.
 */
import { apiBytes } from '../api/http';
import { FILE_CHUNK_BYTES, FILE_HEADER_BYTES, openFileChunks, paddedFileSize, sealedChunkRange } from '../crypto/FileCipher';
import { fromBase64 } from '../e2ee/base64';
import type { FileRef } from '../e2ee/MessageBody';

/** The most plaintext one answer carries: the element asks again for more. */
export const MEDIA_RANGE_MAX_BYTES = 256 * 1024;

const registry = new Map<string, FileRef>();
const headers = new Map<string, Promise<Uint8Array>>();
let listening = false;

/** Ciphertext bytes [start, end] of a file (a Range request). */
async function sealedBytes(id: string, start: number, end: number): Promise<Uint8Array> {
  const { bytes } = await apiBytes(`/api/files/${encodeURIComponent(id)}/content`, { headers: { Range: `bytes=${start}-${end}` } });
  if (bytes.length !== end - start + 1) throw new Error('the server sent a different range');
  return bytes;
}

/** Plaintext bytes [start, end] of `ref` (clipped to its size), from just the chunks that hold them. */
export async function readPlainRange(ref: FileRef, start: number, end: number): Promise<Uint8Array> {
  const last = Math.min(end, ref.size - 1, start + MEDIA_RANGE_MAX_BYTES - 1);
  if (start < 0 || start > last) return new Uint8Array(0);
  const padded = paddedFileSize(ref.size);
  const firstChunk = Math.floor(start / FILE_CHUNK_BYTES);
  const lastChunk = Math.floor(last / FILE_CHUNK_BYTES);
  const range = sealedChunkRange(padded, firstChunk, lastChunk);
  let header: Uint8Array;
  let sealed: Uint8Array;
  if (firstChunk === 0) {
    // From the start: the header comes in the same request.
    const bytes = await sealedBytes(ref.id, 0, range.end - 1);
    header = bytes.subarray(0, FILE_HEADER_BYTES);
    sealed = bytes.subarray(FILE_HEADER_BYTES);
    headers.set(ref.id, Promise.resolve(header.slice()));
  } else {
    let h = headers.get(ref.id);
    if (!h) headers.set(ref.id, (h = sealedBytes(ref.id, 0, FILE_HEADER_BYTES - 1)));
    [header, sealed] = await Promise.all([h, sealedBytes(ref.id, range.start, range.end - 1)]);
  }
  const plain = await openFileChunks(fromBase64(ref.key), header, padded, firstChunk, sealed);
  const offset = firstChunk * FILE_CHUNK_BYTES;
  return plain.slice(start - offset, last - offset + 1);
}

interface MediaAsk {
  type: 'media-info' | 'media-range';
  id: string;
  start?: number;
  end?: number;
}

function listen(): void {
  if (listening) return;
  listening = true;
  navigator.serviceWorker.addEventListener('message', (e: MessageEvent) => {
    const ask = e.data as MediaAsk | null;
    const port = e.ports[0];
    if (!port || !ask || (ask.type !== 'media-info' && ask.type !== 'media-range')) return;
    const ref = registry.get(ask.id);
    if (!ref) return port.postMessage(null);
    if (ask.type === 'media-info') return port.postMessage({ size: ref.size, type: ref.type });
    readPlainRange(ref, ask.start ?? 0, ask.end ?? ref.size - 1).then(
      (bytes) => {
        const buffer = bytes.buffer as ArrayBuffer;
        port.postMessage({ bytes: buffer, start: ask.start ?? 0 }, [buffer]);
      },
      (err: unknown) => port.postMessage({ error: err instanceof Error ? err.message : String(err) }),
    );
  });
}

/**
 * The address a media element plays `ref` from while it streams, or null when no service worker
 * controls this page (then the caller decrypts it whole).
 */
export function mediaStreamUrl(ref: FileRef): string | null {
  if (typeof navigator === 'undefined' || !navigator.serviceWorker?.controller) return null;
  registry.set(ref.id, ref);
  listen();
  return `/media/${encodeURIComponent(ref.id)}`;
}

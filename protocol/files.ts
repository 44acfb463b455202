/**
 * Encrypted files (issue #13): what the upload and download routes accept and answer. The
 * server sees ciphertext only: its size, who uploaded it, when, and to which conversation; the
 * file key, name, type and dimensions travel inside the message's own ciphertext.
 *
 * An upload is resumable: the client declares the ciphertext size, then sends it in parts of
 * FILE_PART_BYTES (the last one shorter) in order; `GET /api/files/{id}` says how much arrived,
 * so after a dropped connection or a reload it goes on from there.
 */
import * as v from 'valibot';

/** Bytes per upload part (and per stored blob): one request's worth, bounded in memory on both ends. */
export const FILE_PART_BYTES = 1024 * 1024;
/** Uploads one account may have open (started, not finished) at once. */
export const MAX_OPEN_UPLOADS_PER_ACCOUNT = 8;
/** …and one address. */
export const MAX_OPEN_UPLOADS_PER_IP = 16;
/** An upload with no part for this long is abandoned: the sweeper deletes it, ms. */
export const STALE_UPLOAD_MS = 24 * 60 * 60 * 1000;

/** A file id: 128 random bits, base64url. */
export const FILE_ID = /^[A-Za-z0-9_-]{22}$/;

/** Most files one message carries: a message's body names at most this many (client/src/e2ee/MessageBody.ts). */
export const MAX_FILES_PER_MESSAGE = 10;

export const CreateFileRequest = v.strictObject({
  channelId: v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{1,64}$/, 'channelId must be a channel id')),
  /** The ciphertext size in bytes (the client knows it before encrypting). */
  size: v.pipe(v.number(), v.integer('size must be a whole number of bytes'), v.minValue(1, 'size must be at least 1 byte')),
});
export type CreateFileRequest = v.InferOutput<typeof CreateFileRequest>;

/** A file as the API shows it. */
export interface FileView {
  id: string;
  channelId: string;
  size: number;
  /** Bytes stored so far: where a resumed upload goes on. */
  received: number;
  complete: boolean;
  partBytes: number;
  createdAt: number;
}

/** An account's storage, for settings. */
export interface FileUsageView {
  usedBytes: number;
  quotaBytes: number;
  maxFileBytes: number;
}

/**
 * The ciphertext size of a `plainBytes` file in the client's format (client/src/crypto/
 * FileCipher.ts: padded to its Padmé bucket, then a 9-byte header and a 16-byte tag per 64 KiB
 * chunk): what MAX_FILE_SIZE_MB allows on the wire. FileCipher.test.ts checks the two agree.
 */
export function maxCiphertextBytes(plainBytes: number): number {
  let padded = plainBytes;
  if (plainBytes >= 2) {
    const e = Math.floor(Math.log2(plainBytes));
    const step = 2 ** (e - Math.floor(Math.log2(e)) - 1);
    padded = Math.ceil(plainBytes / step) * step;
  }
  return 9 + padded + Math.max(1, Math.ceil(padded / (64 * 1024))) * 16;
}

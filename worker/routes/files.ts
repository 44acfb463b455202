/**
 * `/api/files`: encrypted file uploads and downloads (issue #13). The bytes are ciphertext made
 * on the sender's device (client/src/crypto/FileCipher.ts); the server stores them as blobs of
 * FILE_PART_BYTES (`files/<id>/<part>`, disk or R2) and never sees the key, the name or the type.
 *
 * - `POST /` starts an upload into a conversation: the caller must see it and hold SEND and
 *   ATTACH there; the declared ciphertext size is checked against MAX_FILE_SIZE_MB (413 naming
 *   the limit) and the account's FILE_QUOTA_MB (413 `quota_exceeded`); open uploads are capped
 *   per account and per address (429).
 * - `PUT /:id/parts/:n` stores part n, which must be the next one and exactly as long as the
 *   declared size says (read while it streams, never past its length); only the uploader may.
 * - `GET /:id` says how much arrived (a resumed upload goes on from there).
 * - `GET /:id/content` streams a complete file, part by part (Range supported), to anyone who can
 *   see its conversation now: a removed or banned member, or a stranger, gets 404 like a file
 *   that does not exist.
 * - `DELETE /:id` (the uploader, or a member with MANAGE_MESSAGES there) deletes it.
 * Files whose conversation or uploader is gone, and uploads abandoned for STALE_UPLOAD_MS, are
 * deleted by `sweepFiles`, run after each new upload and after deleting a channel, community or
 * account.
 */
import { Hono, type Context } from 'hono';
import { ApiError } from '../../protocol/errors';
import { CreateFileRequest, FILE_ID, FILE_PART_BYTES, MAX_OPEN_UPLOADS_PER_ACCOUNT, MAX_OPEN_UPLOADS_PER_IP, STALE_UPLOAD_MS, maxCiphertextBytes, type FileView } from '../../protocol/files';
import { has, Permission } from '../../protocol/permissions';
import type { AppEnv } from '../app';
import { permissionsIn } from '../auth/access';
import { clientIp } from '../auth/clientInfo';
import { newId } from '../auth/secrets';
import type { Env } from '../env';
import { noStore, requireAuth } from '../middleware/auth';
import { jsonBody, readBodyCapped } from '../middleware/jsonBody';
import { inBackground } from '../middleware/listChanges';
import { blobStore } from '../storage/BlobStore';
import { sweepImages } from './images';
import type { Storage, StoredFile } from '../storage/Storage';

const MIB = 1024 * 1024;
/** Files one sweep deletes at most (a bounded amount of work per request). */
const SWEEP_BATCH = 50;

/** The largest plaintext file, bytes (MAX_FILE_SIZE_MB). */
export function maxFileBytes(env: Env): number {
  return Number(env.MAX_FILE_SIZE_MB ?? 100) * MIB;
}

/** Each account's storage for files, bytes (FILE_QUOTA_MB). */
export function fileQuotaBytes(env: Env): number {
  return Number(env.FILE_QUOTA_MB ?? 1024) * MIB;
}

const partKey = (id: string, part: number) => `files/${id}/${part}`;
const partsOf = (size: number) => Math.ceil(size / FILE_PART_BYTES);

function view(f: StoredFile): FileView {
  return { id: f.id, channelId: f.channelId, size: f.size, received: f.received, complete: f.completedAt !== null, partBytes: FILE_PART_BYTES, createdAt: f.createdAt };
}

/** Deletes a file's blobs (every part it may have written), then its record. */
export async function deleteFile(env: Env, storage: Storage, f: StoredFile): Promise<void> {
  const blobs = blobStore(env);
  // The part after the last recorded one too: a write whose record update lost a race.
  const parts = Math.min(partsOf(f.size), partsOf(f.received) + 1);
  for (let p = 0; p < parts; p++) await blobs.delete(partKey(f.id, p));
  await storage.deleteFileRecord(f.id);
}

/** Deletes files whose conversation or uploader is gone and uploads abandoned for STALE_UPLOAD_MS, then images nobody refers to. */
export async function sweepFiles(env: Env, storage: Storage, now: number): Promise<number> {
  const orphans = await storage.listOrphanFiles(now - STALE_UPLOAD_MS, SWEEP_BATCH);
  for (const f of orphans) await deleteFile(env, storage, f);
  return orphans.length + (await sweepImages(env, storage, now));
}

/** Runs a sweep after the answer (deletions of channels, communities, accounts call this). */
export async function sweepFilesLater(c: Context<AppEnv>, storage: Storage): Promise<void> {
  await inBackground(c, sweepFiles(c.env, storage, c.var.now()));
}

/** The caller's bits in a channel (0 when they cannot see it). */
async function bitsIn(c: Context<AppEnv>, storage: Storage, channelId: string): Promise<number> {
  const bits = permissionsIn(await storage.channelAccess(channelId, c.var.auth.user.id), c.var.now());
  return has(bits, Permission.VIEW) ? bits : 0;
}

/** A file the caller may read (see its conversation now) or uploaded; 404 otherwise, as for a file that does not exist. */
async function visibleFile(c: Context<AppEnv>, storage: Storage, id: string): Promise<{ file: StoredFile; bits: number }> {
  const file = FILE_ID.test(id) ? await storage.getFile(id) : null;
  const bits = file ? await bitsIn(c, storage, file.channelId) : 0;
  if (!file || (bits === 0 && file.uploaderId !== c.var.auth.user.id)) throw new ApiError('not_found', 'no such file');
  return { file, bits };
}

/** `bytes=a-b`, `bytes=a-` or `bytes=-n` within `size`; null for no header; 416 data for one that cannot be met. */
function parseRange(header: string | undefined, size: number): { start: number; end: number } | null | 'unsatisfiable' {
  if (!header) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return 'unsatisfiable';
  let start: number;
  let end: number;
  if (m[1] === '') {
    start = Math.max(0, size - Number(m[2]));
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  return start > end || start >= size ? 'unsatisfiable' : { start, end };
}

export const fileRoutes = new Hono<AppEnv>()
  .use('*', noStore)
  .use('*', requireAuth)

  .get('/usage', async (c) => {
    const storage = await c.var.storage();
    const usage = await storage.fileUsage(c.var.auth.user.id);
    return c.json({ usedBytes: usage.bytes, quotaBytes: fileQuotaBytes(c.env), maxFileBytes: maxFileBytes(c.env) });
  })

  .post('/', async (c) => {
    const body = await jsonBody(c, CreateFileRequest);
    const storage = await c.var.storage();
    const user = c.var.auth.user;
    const bits = await bitsIn(c, storage, body.channelId);
    if (bits === 0) throw new ApiError('not_found', 'no such channel');
    if (!has(bits, Permission.SEND) || !has(bits, Permission.ATTACH)) throw new ApiError('forbidden', 'you may not send files in this conversation');
    const limit = maxFileBytes(c.env);
    if (body.size > maxCiphertextBytes(limit)) throw new ApiError('payload_too_large', `files are limited to ${limit / MIB} MiB on this server`);
    const usage = await storage.fileUsage(user.id);
    const quota = fileQuotaBytes(c.env);
    if (usage.bytes + body.size > quota) {
      throw new ApiError('quota_exceeded', `your files may take ${quota / MIB} MiB on this server and ${(usage.bytes / MIB).toFixed(1)} MiB are used; delete some to send this one`);
    }
    if (usage.openUploads >= MAX_OPEN_UPLOADS_PER_ACCOUNT) throw new ApiError('rate_limited', `at most ${MAX_OPEN_UPLOADS_PER_ACCOUNT} uploads at once; wait for one to finish`);
    const ip = clientIp(c.req.raw, c.env.TRUST_PROXY);
    if ((await storage.openUploadsFromIp(ip)) >= MAX_OPEN_UPLOADS_PER_IP) throw new ApiError('rate_limited', `at most ${MAX_OPEN_UPLOADS_PER_IP} uploads at once from one address`);
    const file: StoredFile = { id: newId(), channelId: body.channelId, uploaderId: user.id, uploaderIp: ip, size: body.size, received: 0, createdAt: c.var.now(), completedAt: null };
    await storage.createFile(file);
    await sweepFilesLater(c, storage);
    return c.json(view(file), 201);
  })

  .get('/:id', async (c) => {
    const storage = await c.var.storage();
    const { file } = await visibleFile(c, storage, c.req.param('id'));
    return c.json(view(file));
  })

  .put('/:id/parts/:n', async (c) => {
    const storage = await c.var.storage();
    const id = c.req.param('id');
    const file = FILE_ID.test(id) ? await storage.getFile(id) : null;
    // Only the uploader writes, and only while they may still send files there.
    if (!file || file.uploaderId !== c.var.auth.user.id) throw new ApiError('not_found', 'no such upload');
    const bits = await bitsIn(c, storage, file.channelId);
    if (bits === 0) throw new ApiError('not_found', 'no such upload');
    if (!has(bits, Permission.ATTACH)) throw new ApiError('forbidden', 'you may not send files in this conversation');
    if (file.completedAt !== null) throw new ApiError('conflict', 'this upload is complete');
    const n = /^\d{1,9}$/.test(c.req.param('n')) ? Number(c.req.param('n')) : -1;
    const next = file.received / FILE_PART_BYTES;
    if (n !== next) throw new ApiError('conflict', `part ${next} comes next (${file.received} of ${file.size} bytes arrived)`);
    const length = Math.min(FILE_PART_BYTES, file.size - file.received);
    const bytes = await readBodyCapped(c.req.raw, length, `part ${n} (the declared size leaves ${length} bytes)`);
    if (bytes.length !== length) throw new ApiError('bad_request', `part ${n} must be ${length} bytes (the declared size says so), not ${bytes.length}`);
    await blobStore(c.env).put(partKey(file.id, n), bytes);
    const received = file.received + length;
    const complete = received === file.size;
    if (!(await storage.advanceFile(file.id, file.received, received, complete ? c.var.now() : null))) {
      throw new ApiError('conflict', 'another request stored this part first; ask where the upload stands');
    }
    return c.json({ received, complete });
  })

  .get('/:id/content', async (c) => {
    const storage = await c.var.storage();
    const id = c.req.param('id');
    const file = FILE_ID.test(id) ? await storage.getFile(id) : null;
    // Readable by whoever can see the conversation now, and only once complete.
    if (!file || file.completedAt === null || (await bitsIn(c, storage, file.channelId)) === 0) throw new ApiError('not_found', 'no such file');
    const range = parseRange(c.req.header('Range'), file.size);
    if (range === 'unsatisfiable') return c.body(null, 416, { 'Content-Range': `bytes */${file.size}` });
    const start = range?.start ?? 0;
    const end = range?.end ?? file.size - 1;
    const blobs = blobStore(c.env);
    const firstPart = Math.floor(start / FILE_PART_BYTES);
    const lastPart = Math.floor(end / FILE_PART_BYTES);
    // The parts flow from the store into the answer natively, one after another, at the pace the
    // client reads: the worker never holds a part in its own memory, except the one or two a
    // Range cuts into. FixedLengthStream makes the answer exactly as long as it says.
    const { readable, writable } = new FixedLengthStream(end - start + 1);
    const pump = (async () => {
      for (let part = firstPart; part <= lastPart; part++) {
        const from = part === firstPart ? start % FILE_PART_BYTES : 0;
        const to = part === lastPart ? (end % FILE_PART_BYTES) + 1 : FILE_PART_BYTES;
        const key = partKey(file.id, part);
        if (from === 0 && to === FILE_PART_BYTES) {
          const body = await blobs.stream(key);
          if (!body) throw new Error(`file ${file.id} part ${part} is missing`);
          await body.pipeTo(writable, { preventClose: true });
        } else {
          const bytes = await blobs.get(key);
          if (!bytes) throw new Error(`file ${file.id} part ${part} is missing`);
          const writer = writable.getWriter();
          await writer.write(bytes.subarray(from, Math.min(to, bytes.length)));
          writer.releaseLock();
        }
      }
      await writable.close();
    })().catch((e: unknown) => writable.abort(e).catch(() => undefined));
    c.executionCtx.waitUntil(pump);
    const headers: Record<string, string> = {
      'Content-Type': 'application/octet-stream',
      'Content-Disposition': 'attachment',
      'Accept-Ranges': 'bytes',
    };
    if (range) headers['Content-Range'] = `bytes ${start}-${end}/${file.size}`;
    return c.body(readable, range ? 206 : 200, headers);
  })

  .delete('/:id', async (c) => {
    const storage = await c.var.storage();
    const { file, bits } = await visibleFile(c, storage, c.req.param('id'));
    if (file.uploaderId !== c.var.auth.user.id && !has(bits, Permission.MANAGE_MESSAGES)) throw new ApiError('forbidden', 'only its uploader or a moderator of the conversation may delete a file');
    await deleteFile(c.env, storage, file);
    return c.body(null, 204);
  });

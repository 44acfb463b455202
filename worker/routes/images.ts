/**
 * Profile and community images and custom emoji (issue #13 items 5 and 6). They are seen by every
 * member, so they are stored as uploaded (not end-to-end encrypted; SECURITY.md), and only after
 * `sniffImage` found a PNG, JPEG, GIF or WebP within the slot's limits: an upload that is HTML,
 * SVG or anything else gets 415 and nothing is stored.
 *
 * - `GET /api/images/:id` serves one to whoever holds its unguessable id (an `<img>` cannot send
 *   a bearer token; ids are handed only to those who can see the profile or community), with
 *   the type the check found, `nosniff`, a sandboxing CSP, and an immutable cache (a new upload
 *   is a new id). A replaced or deleted image is 404.
 * - The routes that set an image (`/api/me/avatar`, `/api/communities/:id/icon`, …) call
 *   `storeImage` and then `dropImage` on the one it replaced; `sweepImages` deletes what no
 *   user, community or emoji refers to (a race between two uploads, a deleted account).
 */
import { requireNotQuarantined } from '../middleware/auth';
import { Hono, type Context } from 'hono';
import { ApiError } from '../../protocol/errors';
import { IMAGE_ID, IMAGE_LIMITS, imageProblem, sniffImage, type ImageSlot } from '../../protocol/images';
import type { AppEnv } from '../app';
import { newId } from '../auth/secrets';
import type { Env } from '../env';
import { readBodyCapped } from '../middleware/jsonBody';
import { blobStore } from '../storage/BlobStore';
import type { Storage, StoredImage } from '../storage/Storage';

/** How long an image may stay unreferenced before the sweeper takes it: covers an upload's own two steps. */
const ORPHAN_GRACE_MS = 10 * 60_000;
const SWEEP_BATCH = 50;

const imageKey = (id: string) => `images/${id}`;

const EXTENSION: Record<StoredImage['contentType'], string> = { 'image/png': 'png', 'image/jpeg': 'jpg', 'image/gif': 'gif', 'image/webp': 'webp' };

/** Reads the request body as an image for `slot`, checks it, and stores it; its new id. */
export async function storeImage(c: Context<AppEnv>, slot: ImageSlot): Promise<string> {
  requireNotQuarantined(c.var.auth.user, 'upload images');
  const limit = IMAGE_LIMITS[slot];
  const bytes = await readBodyCapped(c.req.raw, limit.maxBytes, `a ${slot}`);
  const facts = sniffImage(bytes);
  const problem = imageProblem(slot, bytes.length, facts);
  if (problem) throw new ApiError(facts ? 'validation_failed' : 'unsupported_media_type', problem);
  const storage = await c.var.storage();
  const image: StoredImage = { id: newId(), slot, contentType: facts!.type, width: facts!.width, height: facts!.height, size: bytes.length, uploaderId: c.var.auth.user.id, createdAt: c.var.now() };
  // The blob first: a record never points at bytes that are not there.
  await blobStore(c.env).put(imageKey(image.id), bytes);
  await storage.createImage(image);
  return image.id;
}

/** Deletes an image no longer referred to (the one a new upload replaced, a deleted emoji's). */
export async function dropImage(env: Env, storage: Storage, id: string | null | undefined): Promise<void> {
  if (!id) return;
  await storage.deleteImageRecord(id);
  await blobStore(env).delete(imageKey(id));
}

/** Deletes images nobody refers to any more (bounded per call); run with the file sweeper. */
export async function sweepImages(env: Env, storage: Storage, now: number): Promise<number> {
  const orphans = await storage.listOrphanImages(now - ORPHAN_GRACE_MS, SWEEP_BATCH);
  for (const image of orphans) await dropImage(env, storage, image.id);
  return orphans.length;
}

export const imageRoutes = new Hono<AppEnv>()
  // Only an image is cached (below): a refusal or a 404 is not (hardening #11.12), like every API answer.
  .use('*', async (c, next) => {
    await next();
    if (!c.res.headers.has('Cache-Control')) c.res.headers.set('Cache-Control', 'no-store');
  })
  .get('/:id', async (c) => {
  const id = c.req.param('id');
  const storage = await c.var.storage();
  const image = IMAGE_ID.test(id) ? await storage.getImage(id) : null;
  const bytes = image ? await blobStore(c.env).get(imageKey(image.id)) : null;
  if (!image || !bytes) throw new ApiError('not_found', 'no such image');
  return c.body(bytes, 200, {
    'Content-Type': image.contentType,
    'Content-Length': String(bytes.length),
    'Content-Disposition': `inline; filename="${image.slot}.${EXTENSION[image.contentType]}"`,
    'X-Content-Type-Options': 'nosniff',
    // Opened on its own, the image may not run or load anything.
    'Content-Security-Policy': "default-src 'none'; sandbox",
    'Cache-Control': 'public, max-age=31536000, immutable',
  });
});

/**
 * `GET /api/health`: whether this process and its database answer. Used by `npm start` to know
 * the server is ready (and to report why not), by Docker's HEALTHCHECK, and by operators.
 */
import { Hono } from 'hono';
import type { HealthResponse } from '../../protocol/http';
import type { AppEnv } from '../app';
import { version } from '../env';
import { isStorageError } from '../storage/StorageError';

const startedAt = Date.now();

export const healthRoutes = new Hono<AppEnv>().get('/health', async (c) => {
  const uptimeSeconds = Math.round((Date.now() - startedAt) / 1000);
  try {
    const storage = await c.var.storage();
    await storage.ping();
    return c.json({ status: 'ok', version: version(c.env), storage: storage.kind, uptimeSeconds } satisfies HealthResponse);
  } catch (e) {
    if (!isStorageError(e)) throw e;
    // The operator needs the cause (which migration, which connection error); it names no secret.
    return c.json({ error: { code: e.code === 'migration_failed' ? 'migration_failed' : 'storage_unavailable', message: e.message } }, 503);
  }
});

/**
 * REST request and response schemas, shared by the worker (which validates with them) and
 * the client (which types its calls with them). Schemas are valibot; this file holds no logic.
 */
import * as v from 'valibot';

/** Which storage back end answers: embedded SQLite, Cloudflare D1 or PostgreSQL. */
export const StorageKind = v.picklist(['sqlite', 'd1', 'postgres']);
export type StorageKind = v.InferOutput<typeof StorageKind>;

/** `GET /api/health`. */
export const HealthResponse = v.object({
  status: v.picklist(['ok', 'degraded']),
  version: v.string(),
  storage: StorageKind,
  uptimeSeconds: v.number(),
});
export type HealthResponse = v.InferOutput<typeof HealthResponse>;

/**
 * REST request and response schemas, shared by the worker (which validates with them) and
 * the client (which types its calls with them). Schemas are valibot; this file holds no logic.
 */
import * as v from 'valibot';
import { MAX_BATCH_PATHS } from './limits';

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

/**
 * `POST /api/batch`: several GETs of the API in one request, each answered exactly as if it had
 * been sent alone with this request's headers (its own authorization, rate limit and errors).
 */
export const BatchRequest = v.strictObject({
  paths: v.pipe(
    v.array(v.pipe(v.string(), v.startsWith('/api/'), v.maxLength(2048))),
    v.minLength(1),
    v.maxLength(MAX_BATCH_PATHS),
  ),
});
export type BatchRequest = v.InferOutput<typeof BatchRequest>;

/** One read's answer: its status and JSON body (null for 204). `too_large` (413) means: read it on its own. */
export interface BatchResult {
  status: number;
  body: unknown;
}
export interface BatchResponse {
  results: BatchResult[];
}

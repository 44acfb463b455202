/**
 * A test-only worker that exposes the storage adapter over HTTP inside workerd (run by
 * Miniflare), so the conformance suite drives the real executors — Durable Object SQLite, D1
 * and PostgreSQL over workerd's TCP sockets — from Node. It is never part of the product bundle.
 */
import { migrate } from '../../worker/storage/migrate';
import { openExecutor, openStorage } from '../../worker/storage/openStorage';
import { isStorageError } from '../../worker/storage/StorageError';
import { blobStore } from '../../worker/storage/BlobStore';
import type { Env } from '../../worker/env';
import type { Migration } from '../../migrations/index';

export { StoreObject } from '../../durable-objects/StoreObject';
// The product's other objects, so wrangler.toml's bindings hold under wrangler dev ('wrangler-d1').
export { ChannelRoomObject } from '../../durable-objects/ChannelRoomObject';
export { ChannelRelayObject } from '../../durable-objects/ChannelRelayObject';
export { RateLimiterObject } from '../../durable-objects/RateLimiterObject';
export { UserHubObject } from '../../durable-objects/UserHubObject';

function fail(e: unknown): Response {
  if (isStorageError(e)) return Response.json({ error: { code: e.code, message: e.message } }, { status: 409 });
  return Response.json({ error: { code: 'internal', message: e instanceof Error ? `${e.name}: ${e.message}` : String(e) } }, { status: 500 });
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const path = new URL(request.url).pathname;
    const body = (await request.json()) as Record<string, unknown>;
    try {
      if (path === '/call') {
        const storage = (await openStorage(env)) as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
        const method = storage[body.method as string];
        if (typeof method !== 'function') return Response.json({ error: { code: 'internal', message: `no method ${String(body.method)}` } }, { status: 400 });
        const value = await method.apply(storage, body.args as unknown[]);
        return Response.json({ value: value ?? null });
      }
      if (path === '/migrate') return Response.json({ value: await migrate(openExecutor(env), body.migrations as Migration[], Date.now()) });
      if (path === '/all') return Response.json({ value: await openExecutor(env).all(body.sql as string, (body.params as []) ?? []) });
      if (path === '/blob') {
        // The product's BlobStore over whatever the runtime binds (R2 under Miniflare).
        const blobs = blobStore(env);
        const key = body.key as string;
        if (body.op === 'put') await blobs.put(key, Uint8Array.from(atob(body.data as string), (ch) => ch.charCodeAt(0)));
        if (body.op === 'delete') await blobs.delete(key);
        if (body.op !== 'get') return Response.json({ value: null });
        const bytes = await blobs.get(key);
        return Response.json({ value: bytes ? btoa(String.fromCharCode(...bytes)) : null });
      }
      return new Response('not found', { status: 404 });
    } catch (e) {
      return fail(e);
    }
  },
};

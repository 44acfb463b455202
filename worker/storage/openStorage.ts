/**
 * Chooses the storage back end from the bindings: D1 when a DB binding exists (Cloudflare),
 * otherwise the database gateway object, which holds either the embedded SQLite database or,
 * with DATABASE_URL, the PostgreSQL pool. Migrations run before the first use in each isolate;
 * a failure is not remembered, so a database that comes back is picked up without a restart.
 */
import type { Env } from '../env';
import { D1Executor, RemoteExecutor } from './executors';
import { SqlStorage } from './SqlStorage';
import type { Storage } from './Storage';
import type { SqlExecutor } from './SqlExecutor';

/** Name of the single Durable Object that owns the embedded database or the PostgreSQL pool. */
export const STORE_OBJECT_NAME = 'instance';

/** The executor the bindings call for: D1 directly, or the gateway object. */
export function openExecutor(env: Env): SqlExecutor {
  if (env.DB && !env.DATABASE_URL) return new D1Executor(env.DB);
  const store = env.STORE;
  if (!store) throw new Error('no storage configured: bind a D1 database as DB or the StoreObject as STORE');
  const kind = env.DATABASE_URL ? 'postgres' : 'sqlite';
  return new RemoteExecutor(kind, () => store.get(store.idFromName(STORE_OBJECT_NAME)));
}

let storage: Storage | undefined;
let ready: Promise<unknown> | undefined;

/** The isolate's storage, migrated. Rejects with a StorageError while the database is unreachable. */
export async function openStorage(env: Env, now: () => number = Date.now): Promise<Storage> {
  storage ??= new SqlStorage(openExecutor(env));
  const attempt = (ready ??= storage.migrate(now()));
  try {
    await attempt;
  } catch (e) {
    if (ready === attempt) ready = undefined; // the next request tries again
    throw e;
  }
  return storage;
}

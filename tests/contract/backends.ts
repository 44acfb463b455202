/**
 * The three storage back ends, each running inside workerd: embedded SQLite (the gateway
 * object's own storage) and PostgreSQL (through the same ExternalServer binding and socket shim
 * the self-hosted config uses) under a plain workerd process, D1 under Miniflare. `client()` returns a Storage whose
 * methods run in workerd, with StorageError codes carried back.
 */
import { build } from 'esbuild';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { freePort } from '../setup/postgres';
import { workerdPath } from '../../scripts/workerdPath.mjs';
import { Miniflare } from 'miniflare';
import { ROOT, workerBuildOptions } from '../../scripts/build.mjs';
import type { Migration } from '../../migrations/index';
import type { Storage } from '../../worker/storage/Storage';
import { StorageError, type StorageErrorCode } from '../../worker/storage/StorageError';

export type BackendName = 'sqlite' | 'd1' | 'postgres';
export const BACKENDS: BackendName[] = ['sqlite', 'd1', 'postgres'];

let bundled: Promise<string> | undefined;

/** Bundles the harness worker once per test file. */
function bundle(): Promise<string> {
  bundled ??= (async () => {
    const outdir = join(ROOT, '.tmp', `harness-${process.pid}`);
    mkdirSync(outdir, { recursive: true });
    const outfile = join(outdir, 'harness.js');
    await build({ ...workerBuildOptions, entryPoints: [join(ROOT, 'tests/contract/harness.worker.ts')], outfile });
    return outfile;
  })();
  return bundled;
}

export interface Backend {
  name: BackendName;
  storage: Storage;
  migrate(migrations: Migration[]): Promise<string[]>;
  all<T>(sql: string, params?: unknown[]): Promise<T[]>;
  /** The blob store inside the runtime (R2 under Miniflare: only the D1 back end binds one); bytes as base64. */
  blob(op: 'put' | 'get' | 'delete', key: string, data?: string): Promise<string | null>;
  dispose(): Promise<void>;
}

/** A plain workerd process running the harness, configured like selfhost/config.capnp. */
async function startWorkerd(scriptPath: string, postgresUrl: string | undefined) {
  const dir = mkdtempSync(join(tmpdir(), 'chatalot-harness-'));
  const port = await freePort();
  const pg = postgresUrl ? new URL(postgresUrl) : undefined;
  const config = `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "harness", worker = (
      modules = [(name = "harness.js", esModule = embed "${basename(scriptPath)}")],
      compatibilityDate = "2026-04-01",
      compatibilityFlags = ["nodejs_compat"],
      bindings = [
        (name = "STORE", durableObjectNamespace = "StoreObject"),
        (name = "PG", service = "pg"),
        ${postgresUrl ? `(name = "DATABASE_URL", text = ${JSON.stringify(postgresUrl)}),` : ''}
      ],
      durableObjectNamespaces = [(className = "StoreObject", uniqueKey = "harness-store", enableSql = true)],
      durableObjectStorage = (localDisk = "do-storage"),
    )),
    (name = "do-storage", disk = (path = ${JSON.stringify(dir)}, writable = true)),
    (name = "pg", external = (address = "${pg ? `${pg.hostname}:${pg.port || 5432}` : '127.0.0.1:5432'}", tcp = ())),
  ],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "harness")],
);
`;
  const configPath = join(dirname(scriptPath), `harness-${port}.capnp`);
  writeFileSync(configPath, config);
  const child = spawn(workerdPath, ['serve', configPath], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  for (let i = 0; ; i++) {
    try {
      await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', body: '{}' });
      break;
    } catch {
      if (i > 200 || child.exitCode !== null) throw new Error(`harness workerd did not start: ${stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    fetch: (path: string, init: RequestInit) => fetch(`http://127.0.0.1:${port}${path}`, init),
    dispose: async () => {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** D1 exists only under Miniflare (which runs the same workerd binary with its D1 simulator). */
async function startMiniflareD1(scriptPath: string) {
  const mf = new Miniflare({ modules: true, scriptPath, compatibilityDate: '2026-04-01', compatibilityFlags: ['nodejs_compat'], d1Databases: ['DB'], r2Buckets: ['BLOBS'] });
  return {
    fetch: (path: string, init: RequestInit) => mf.dispatchFetch(`http://harness${path}`, init as never) as unknown as Promise<Response>,
    dispose: () => mf.dispose(),
  };
}

export async function openBackend(name: BackendName, postgresUrl: string): Promise<Backend> {
  const scriptPath = await bundle();
  const runtime = name === 'd1' ? await startMiniflareD1(scriptPath) : await startWorkerd(scriptPath, name === 'postgres' ? postgresUrl : undefined);
  const call = async (path: string, payload: unknown) => {
    const res = await runtime.fetch(path, { method: 'POST', body: JSON.stringify(payload) });
    const json = (await res.json()) as { value?: unknown; error?: { code: string; message: string } };
    if (json.error) {
      if (res.status === 409) throw new StorageError(json.error.code as StorageErrorCode, json.error.message);
      throw new Error(json.error.message);
    }
    return json.value;
  };
  const storage = new Proxy({} as Storage, {
    get: (_t, method) => (method === 'kind' ? name : (...args: unknown[]) => call('/call', { method, args })),
  });
  return {
    name,
    storage,
    migrate: (migrations) => call('/migrate', { migrations }) as Promise<string[]>,
    all: <T>(sql: string, params: unknown[] = []) => call('/all', { sql, params }) as Promise<T[]>,
    blob: (op, key, data) => call('/blob', { op, key, data }) as Promise<string | null>,
    dispose: () => runtime.dispose(),
  };
}

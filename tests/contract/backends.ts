/**
 * The three storage back ends, each running inside workerd: embedded SQLite (the gateway
 * object's own storage) and PostgreSQL (through the same ExternalServer binding and socket shim
 * the self-hosted config uses) under a plain workerd process, D1 under Miniflare and under wrangler dev. `client()` returns a Storage whose
 * methods run in workerd, with StorageError codes carried back.
 */
import { build } from 'esbuild';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { freePort } from '../setup/postgres';
import { workerdPath } from '../../scripts/workerdPath.mjs';
import { Miniflare } from 'miniflare';
import { ROOT, workerBuildOptions } from '../../scripts/build.mjs';
import type { Migration } from '../../migrations/index';
import type { Storage } from '../../worker/storage/Storage';
import { StorageError, type StorageErrorCode } from '../../worker/storage/StorageError';

export type BackendName = 'sqlite' | 'd1' | 'wrangler-d1' | 'postgres';
/**
 * 'wrangler-d1' is D1 in the deployed shape (issue #19 item 1): the harness under `wrangler dev`
 * with wrangler.toml itself — its bindings (D1, R2, every Durable Object class), compatibility
 * flags, bundling rules and vars — only `main` pointed at the harness and the assets left out.
 */
export const BACKENDS: BackendName[] = ['sqlite', 'd1', 'wrangler-d1', 'postgres'];
/** The back ends that are D1 (and bind R2). */
export const isD1 = (name: BackendName) => name === 'd1' || name === 'wrangler-d1';

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
async function startWorkerd(scriptPath: string, postgresUrl: string | undefined, instance?: { doDir: string }) {
  // With `instance`, the gateway object of a stopped instance: its storage directory and namespace key (selfhost/config.capnp), kept at dispose.
  const dir = instance?.doDir ?? mkdtempSync(join(tmpdir(), 'chatalot-harness-'));
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
      durableObjectNamespaces = [(className = "StoreObject", uniqueKey = "${instance ? 'chatalot-store' : 'harness-store'}", enableSql = true)],
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
      const exited = new Promise((r) => child.once('exit', r));
      child.kill(instance ? 'SIGTERM' : 'SIGKILL');
      await exited;
      if (!instance) rmSync(dir, { recursive: true, force: true });
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

/** wrangler.toml with `main` set to the harness source and no [assets] block, under wrangler dev on a free port. */
async function startWranglerHarness() {
  const dir = mkdtempSync(join(tmpdir(), 'chatalot-harness-cf-'));
  const toml = readFileSync(join(ROOT, 'wrangler.toml'), 'utf8');
  const shaped = toml
    .replace(/^main = .*$/m, `main = ${JSON.stringify(join(ROOT, 'tests/contract/harness.worker.ts'))}`)
    .replace(/^\[assets\]\n(?:[a-z_]+ = .*\n)+/m, '');
  if (shaped.includes('[assets]') || !shaped.includes('harness.worker.ts')) throw new Error('wrangler.toml changed shape: the harness config could not be derived from it');
  // Beside wrangler.toml, so its relative paths (the bundling rules' globs) mean the same.
  const config = join(ROOT, '.tmp', `wrangler-harness-${process.pid}.toml`);
  mkdirSync(dirname(config), { recursive: true });
  writeFileSync(config, shaped);
  const port = await freePort();
  const child = spawn(process.execPath, [join(ROOT, 'node_modules', 'wrangler', 'bin', 'wrangler.js'), 'dev', '--config', config, '--local', '--ip', '127.0.0.1', '--port', String(port), '--persist-to', dir, '--show-interactive-dev-session=false'], {
    cwd: ROOT,
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false' },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const started = Date.now();
  for (;;) {
    const ok = await fetch(`http://127.0.0.1:${port}/migrate`, { method: 'POST', body: '{"migrations":[]}' }).then((r) => r.ok, () => false);
    if (ok) break;
    if (child.exitCode !== null || Date.now() - started > 150_000) {
      child.kill('SIGKILL');
      throw new Error(`wrangler dev with the harness did not start:\n${out.slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  return {
    fetch: (path: string, init: RequestInit) => fetch(`http://127.0.0.1:${port}${path}`, init),
    dispose: async () => {
      const exited = new Promise((r) => child.once('exit', r));
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
      await exited;
      rmSync(dir, { recursive: true, force: true });
      rmSync(config, { force: true });
    },
  };
}

/**
 * The embedded store of a stopped self-hosted instance (DATA_DIR/do), through the same harness:
 * for tests that build a large fixture faster than the public API can (e.g. a thousand accounts
 * without a thousand Argon2 hashes).
 */
export async function openInstanceStore(dataDir: string): Promise<Backend> {
  return backendOver('sqlite', await startWorkerd(await bundle(), undefined, { doDir: join(dataDir, 'do') }));
}

export async function openBackend(name: BackendName, postgresUrl: string): Promise<Backend> {
  const scriptPath = await bundle();
  const runtime =
    name === 'd1' ? await startMiniflareD1(scriptPath) : name === 'wrangler-d1' ? await startWranglerHarness() : await startWorkerd(scriptPath, name === 'postgres' ? postgresUrl : undefined);
  return backendOver(name, runtime);
}

function backendOver(name: BackendName, runtime: { fetch(path: string, init: RequestInit): Promise<Response>; dispose(): Promise<unknown> }): Backend {
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
    get: (_t, method) => (method === 'kind' ? (isD1(name) ? 'd1' : name) : (...args: unknown[]) => call('/call', { method, args })),
  });
  return {
    name,
    storage,
    migrate: (migrations) => call('/migrate', { migrations }) as Promise<string[]>,
    all: <T>(sql: string, params: unknown[] = []) => call('/all', { sql, params }) as Promise<T[]>,
    blob: (op, key, data) => call('/blob', { op, key, data }) as Promise<string | null>,
    dispose: async () => void (await runtime.dispose()),
  };
}

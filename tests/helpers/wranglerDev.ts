/**
 * Starts the Cloudflare build the way `npm run dev:cloudflare` runs it (wrangler dev: the worker
 * and Durable Objects `npm run deploy` ships, with Miniflare's local D1, R2 and Durable Object
 * storage) on a free port with its own state directory, as a RunningServer like `npm start`'s.
 * `dataDir` is the state wrangler persists (D1, R2 and every object's SQLite), so the canary scan
 * reads the same bytes there as it does under DATA_DIR.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../../scripts/build.mjs';
import { freePort } from '../setup/postgres';
import type { Exit, RunningServer } from './server';

/** The limits `startServer` lifts for tests (one IP, one account hammering one server). */
const TEST_VARS: Record<string, string> = {
  RATE_LIMIT_PER_SECOND: '100000',
  AUTH_RATE_LIMIT_PER_SECOND: '100000',
  SEND_RATE_PER_SECOND: '100000',
  MAX_SOCKETS_PER_ACCOUNT: '1000000',
  MAX_SOCKETS_PER_IP: '1000000',
};

export interface WranglerServer extends RunningServer {
  /** Removes the state directory (after stop or kill). */
  remove(): void;
}

/** Runs `scripts/devCloudflare.mjs --no-build` and resolves once /api/health answers. */
export async function startWranglerDev(options: { vars?: Record<string, string>; timeoutMs?: number } = {}): Promise<WranglerServer> {
  const dir = mkdtempSync(join(tmpdir(), 'chatalot-cf-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const vars = { ...TEST_VARS, ...options.vars };
  const child = spawn(process.execPath, [join(ROOT, 'scripts', 'devCloudflare.mjs'), '--no-build', '--port', String(port), ...Object.entries(vars).flatMap(([k, v]) => ['--var', `${k}:${v}`])], {
    cwd: ROOT,
    env: { ...process.env, CF_DEV_DIR: dir },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<Exit>((r) => child.once('exit', (code, signal) => r({ code, signal })));
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // already gone
    }
  };
  const started = Date.now();
  for (;;) {
    const ok = await fetch(`${url}/api/health`).then((r) => r.ok, () => false);
    if (ok) break;
    if (child.exitCode !== null || Date.now() - started > (options.timeoutMs ?? 150_000)) {
      signalGroup('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`wrangler dev did not start:\n${out.slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  const ended = (signal: NodeJS.Signals) => async () => {
    if (child.exitCode !== null || child.signalCode !== null) return exited;
    signalGroup(signal);
    // wrangler hands SIGTERM on to workerd; one that lingers is killed.
    const timer = setTimeout(() => signalGroup('SIGKILL'), 10_000);
    const exit = await exited;
    clearTimeout(timer);
    return exit;
  };
  const stop = ended('SIGTERM');
  const kill = ended('SIGKILL');
  return {
    url,
    wsUrl: url.replace(/^http/, 'ws'),
    dataDir: join(dir, 'state'),
    child,
    output: () => out,
    stop,
    kill: async () => {
      await kill();
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

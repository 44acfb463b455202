/**
 * Issue #19 item 9's fault, reproduced without Docker: the image's runtime stage is a production
 * install (`npm ci --omit=dev`) of package.json and the lock, plus dist/, selfhost/ and
 * scripts/workerdPath.mjs, started with CHATALOT_SKIP_BUILD=1. It used to stop with "Cannot find
 * module 'workerd'" (workerd was a devDependency) and would then have needed esbuild and vite
 * (start.mjs loaded the build script unconditionally). Here exactly that layout is installed in
 * a temporary folder from npm's cache and registry, started, and asked for its health.
 */
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../scripts/build.mjs';

describe('the Docker runtime stage, without Docker', () => {
  it('19.9: a production-only install with dist/ starts and answers its health check', async () => {
    const app = mkdtempSync(join(tmpdir(), 'chatalot-prod-'));
    for (const p of ['package.json', 'package-lock.json', 'dist', 'selfhost', 'scripts/workerdPath.mjs']) cpSync(join(ROOT, p), join(app, p), { recursive: true });
    execFileSync('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: app, stdio: 'pipe', timeout: 240_000, env: { ...process.env, NODE_ENV: 'production' } });
    const child = spawn(process.execPath, ['selfhost/start.mjs'], {
      cwd: app,
      detached: true,
      env: { ...process.env, NODE_ENV: 'production', CHATALOT_SKIP_BUILD: '1', LISTEN_ADDR: '127.0.0.1:0', DATA_DIR: join(app, 'data'), REGISTRATION_MODE: 'open' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    try {
      await expect.poll(() => /serving (http:\/\/\S+)|exited|Cannot find/.test(out), { timeout: 60_000, interval: 200 }).toBe(true);
      const url = /serving (http:\/\/\S+)/.exec(out)?.[1];
      expect(url, out).toBeDefined();
      expect(await (await fetch(`${url}/api/health`)).json()).toMatchObject({ status: 'ok' });
    } finally {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // gone
      }
    }
  }, 300_000);
});

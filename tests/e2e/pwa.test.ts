/**
 * The installable PWA in Chromium against the real server: the manifest and its icons, the
 * service worker taking control, the app shell loading with the network off, nothing from /api/
 * in Cache Storage, and a newly deployed version announced by the update prompt and applied by
 * its Reload button. The server serves a copy of the built client (CHATALOT_ASSETS_DIR), so the
 * test can deploy a "new version" without touching dist/.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { ROOT } from '../../scripts/build.mjs';
import { startServer, type RunningServer } from '../helpers/server';
import { launchBrowser } from './browser';
import { Pages, reportOnFailure } from './helpers';

let server: RunningServer;
let browser: Browser;
let pages: Pages;
reportOnFailure(() => pages);
const assets = mkdtempSync(join(tmpdir(), 'chatalot-assets-'));

beforeAll(async () => {
  cpSync(join(ROOT, 'dist/client'), assets, { recursive: true });
  server = await startServer({ env: { REGISTRATION_MODE: 'open', CHATALOT_ASSETS_DIR: assets } });
  browser = await launchBrowser();
  pages = new Pages(browser, server.url);
});
afterAll(async () => {
  await pages?.closeAll();
  await browser?.close();
  await server?.kill();
  rmSync(assets, { recursive: true, force: true });
});

const controlled = (page: Page) => page.evaluate(() => !!navigator.serviceWorker.controller);

describe('PWA', () => {
  it('serves an installable manifest whose icons all load', async () => {
    const res = await fetch(`${server.url}/manifest.webmanifest`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/manifest+json');
    const manifest = (await res.json()) as { name: string; display: string; start_url: string; icons: { src: string; sizes: string; type: string; purpose: string }[] };
    expect(manifest).toMatchObject({ name: 'Chatalot', display: 'standalone', start_url: '/' });
    expect(manifest.icons.map((i) => i.sizes)).toEqual(expect.arrayContaining(['192x192', '512x512']));
    expect(manifest.icons.some((i) => i.purpose === 'maskable')).toBe(true);
    for (const icon of manifest.icons) {
      const r = await fetch(`${server.url}${icon.src}`);
      expect(r.status, icon.src).toBe(200);
      expect(r.headers.get('content-type')).toBe(icon.type);
      expect((await r.arrayBuffer()).byteLength).toBeGreaterThan(200);
    }
    const html = await (await fetch(server.url)).text();
    expect(html).toContain('<link rel="manifest" href="/manifest.webmanifest"');
  });

  it('the service worker controls the page, the shell loads offline, and /api/ is never cached', async () => {
    const page = await pages.newPage();
    await page.goto(server.url);
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Set up this instance');
    await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
    await page.reload();
    await expect.poll(() => controlled(page)).toBe(true);

    const cached = await page.evaluate(async () => {
      const urls: string[] = [];
      for (const key of await caches.keys()) for (const r of await (await caches.open(key)).keys()) urls.push(new URL(r.url).pathname);
      return urls;
    });
    expect(cached).toContain('/index.html');
    expect(cached.some((u) => u.startsWith('/assets/'))).toBe(true);
    expect(cached.filter((u) => u.startsWith('/api/') || u.startsWith('/ws/'))).toEqual([]);

    // A tab opened on another file of the origin (the icon) is not kept as the app's shell.
    const icon = await page.context().newPage();
    await icon.goto(`${server.url}/icon.svg`);
    await expect.poll(() => icon.evaluate(() => document.documentElement.localName)).toBe('svg');
    await icon.close();

    await page.context().setOffline(true);
    pages.problems.length = 0; // the app's own failed /api calls while offline are expected here
    await page.reload();
    // The app itself (served from the cache) renders its sign-in screen; without a cached shell
    // Chromium would show its own offline page and there would be no such heading.
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent(), { timeout: 15_000 }).toBe('Sign in');
    await page.context().setOffline(false);
    pages.problems.length = 0;
  });

  it('a newly deployed version shows the update prompt, and Reload switches to it', async () => {
    const page = await pages.newPage();
    await page.goto(server.url);
    await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
    await page.reload();
    await expect.poll(() => controlled(page)).toBe(true);
    const before = await page.evaluate(() => navigator.serviceWorker.controller!.scriptURL);
    expect(await page.getByText('A new version of Chatalot is available.').count()).toBe(0);

    // Deploy: a service worker that differs by a byte, as any new build would.
    writeFileSync(join(assets, 'sw.js'), `${readFileSync(join(assets, 'sw.js'), 'utf8')}\n// deployed ${Date.now()}\n`);
    await page.evaluate(() => navigator.serviceWorker.getRegistration().then((r) => r?.update()));
    await expect.poll(() => page.getByText('A new version of Chatalot is available.').count(), { timeout: 15_000 }).toBe(1);

    const reloaded = page.waitForEvent('load');
    await page.getByRole('button', { name: 'Reload' }).click();
    await reloaded;
    await expect.poll(() => controlled(page)).toBe(true);
    expect(await page.evaluate(() => navigator.serviceWorker.getRegistration().then((r) => !r?.waiting && !!r?.active))).toBe(true);
    expect(await page.evaluate(() => navigator.serviceWorker.controller!.scriptURL)).toBe(before);
    expect(await page.getByText('A new version of Chatalot is available.').count()).toBe(0);
    expect(pages.problems).toEqual([]);
  });
});

/**
 * The web client in a real browser against the real server: it loads under the strict CSP with
 * no console errors and no request leaving the origin, and shows the server's health.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { ROOT } from '../../scripts/build.mjs';
import { startServer, type RunningServer } from '../helpers/server';
import { launchBrowser } from './browser';

let server: RunningServer;
let browser: Browser;
beforeAll(async () => {
  server = await startServer();
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await server?.kill();
});

describe('web client shell', () => {
  it('V2: loads with no CSP violation, no console error and no request to another origin', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const problems: string[] = [];
    const foreign: string[] = [];
    page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('request', (r) => !r.url().startsWith(server.url) && foreign.push(r.url()));
    await page.goto(server.url);
    await expect.poll(() => page.getByTestId('health').textContent()).toMatch(/Server 0\.1\.0 is ok, storing accounts in sqlite/);
    await page.screenshot({ path: join(ROOT, 'docs/screenshots/shell.png') });
    expect(problems).toEqual([]);
    expect(foreign).toEqual([]);
    await context.close();
  });
});

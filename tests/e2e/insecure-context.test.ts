/**
 * Issue #19 item 8, the client's part: opened over plain http at a LAN name (Chromium's resolver
 * maps `chatalot.test` to 127.0.0.1), the app says at once that the connection is not secure and
 * what the browser withholds there; at 127.0.0.1 (a secure context, like localhost) it says nothing.
 * The person can hide the warning for the visit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { startServer, type RunningServer } from '../helpers/server';
import { launchBrowser } from './browser';
import { seriousViolations } from './helpers';

let server: RunningServer;
let browser: Browser;
beforeAll(async () => {
  server = await startServer({ env: { REGISTRATION_MODE: 'open' } });
  browser = await launchBrowser(['--host-resolver-rules=MAP chatalot.test 127.0.0.1']);
});
afterAll(async () => {
  await browser?.close();
  await server?.kill();
});

describe('outside a secure context', () => {
  it('19.8: plain http at a LAN name shows what will not work; loopback shows nothing; it can be hidden', async () => {
    const port = new URL(server.url).port;
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`http://chatalot.test:${port}/`);
    expect(await page.evaluate(() => window.isSecureContext)).toBe(false);
    const banner = page.getByTestId('insecure-context');
    await expect.poll(() => banner.count(), { timeout: 20_000 }).toBe(1);
    expect(await banner.textContent()).toContain('This connection is not secure.');
    expect(await banner.textContent()).toContain(`chatalot.test:${port}`);
    expect(await banner.textContent()).toMatch(/push notifications.*calls/);
    // The app still works there (the sign-in screen is up behind it).
    await expect.poll(() => page.getByRole('heading', { level: 1 }).count(), { timeout: 20_000 }).toBeGreaterThan(0);
    expect(await seriousViolations(page)).toEqual([]);
    await banner.getByRole('button', { name: 'Hide for now' }).click();
    await expect.poll(() => banner.count()).toBe(0);
    await page.reload();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).count(), { timeout: 20_000 }).toBeGreaterThan(0);
    expect(await banner.count()).toBe(0); // hidden for this visit

    const local = await (await browser.newContext()).newPage();
    await local.goto(server.url);
    await expect.poll(() => local.getByRole('heading', { level: 1 }).count(), { timeout: 20_000 }).toBeGreaterThan(0);
    expect(await local.evaluate(() => window.isSecureContext)).toBe(true);
    expect(await local.getByTestId('insecure-context').count()).toBe(0);
    await context.close();
  });
});

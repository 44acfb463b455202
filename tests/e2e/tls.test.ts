/**
 * Issue #19 item 8 in Chromium: the core flow over https served by `npm start` itself
 * (TLS_CERT_PATH / TLS_KEY_PATH), at a LAN name (`chatalot.test`, mapped to 127.0.0.1 in Chromium's
 * resolver) with a certificate the test made and told the browser to trust (its public key's
 * SHA-256 in --ignore-certificate-errors-spki-list). The page is a secure context: WebCrypto, the
 * service worker and no warning; the owner registers, creates a community and sends a message.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { startServer, type RunningServer } from '../helpers/server';
import { makeCertificate } from '../helpers/tlsCert';
import { launchBrowser } from './browser';
import { messageWith, register, send, seriousViolations } from './helpers';

const tls = makeCertificate();
let server: RunningServer;
let browser: Browser;
beforeAll(async () => {
  server = await startServer({ env: { REGISTRATION_MODE: 'open', TLS_CERT_PATH: tls.certPath, TLS_KEY_PATH: tls.keyPath } });
  browser = await launchBrowser(['--host-resolver-rules=MAP chatalot.test 127.0.0.1', `--ignore-certificate-errors-spki-list=${tls.spkiSha256}`]);
});
afterAll(async () => {
  await browser?.close();
  await server?.kill();
});

describe('https without a proxy', () => {
  it('19.8: register, create a community and send a message over https at a LAN name, in a secure context', async () => {
    const origin = `https://chatalot.test:${new URL(server.url).port}`;
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(origin);
    expect(await page.evaluate(() => [window.isSecureContext, typeof crypto.subtle?.importKey])).toEqual([true, 'function']);
    await register(page, 'tlsowner');
    await page.getByRole('button', { name: 'Create a community' }).click();
    await page.getByLabel('Community name').fill('Over TLS');
    await page.getByRole('dialog').getByRole('button', { name: 'Create' }).click();
    await expect.poll(() => page.getByRole('heading', { name: '#general' }).count(), { timeout: 20_000 }).toBe(1);
    await send(page, 'hello over https');
    await expect.poll(() => messageWith(page, 'hello over https').count(), { timeout: 30_000 }).toBe(1);
    await expect.poll(() => page.locator('[data-lock="encrypted-verified"], [data-lock="encrypted-unverified"]').count(), { timeout: 30_000 }).toBeGreaterThan(0);
    expect(await page.getByTestId('insecure-context').count()).toBe(0);
    await expect.poll(() => page.evaluate(async () => !!(await navigator.serviceWorker.getRegistration())), { timeout: 20_000 }).toBe(true);
    expect(await seriousViolations(page)).toEqual([]);
    await context.close();
  });
});

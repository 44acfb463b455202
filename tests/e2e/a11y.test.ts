/**
 * Accessibility of the main screens, checked by axe-core (WCAG 2 A and AA rules) in Chromium
 * against the real server: first-run setup, sign-in, registration, the chat screen with a
 * community channel holding messages, its dialogs and pinned list, the DM list, settings (with the
 * key backup and devices), a second device's approval banner, and the phone layout.
 * The bar: no serious or critical violation on any of them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { startServer, type RunningServer } from '../helpers/server';
import { launchBrowser } from './browser';
import { messageWith, PASSWORD, Pages, reportOnFailure, register, send, seriousViolations } from './helpers';

let server: RunningServer;
let browser: Browser;
let pages: Pages;
reportOnFailure(() => pages);

beforeAll(async () => {
  server = await startServer({ env: { REGISTRATION_MODE: 'open' } });
  browser = await launchBrowser();
  pages = new Pages(browser, server.url);
});
afterAll(async () => {
  await pages?.closeAll();
  await browser?.close();
  await server?.kill();
});

describe('accessibility (axe-core)', () => {
  it('setup, sign-in, registration, chat with messages, dialogs, DMs, settings and the phone layout have no serious or critical violation', async () => {
    const page = await pages.newPage();
    const found: Record<string, string[]> = {};
    const check = async (screen: string) => {
      found[screen] = await seriousViolations(page);
    };

    await page.goto(server.url);
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Set up this instance');
    await check('setup');
    await register(page, 'ada', pages.problems);
    await expect.poll(() => page.getByRole('heading', { name: /Welcome/ }).count(), { timeout: 20_000 }).toBe(1);
    await check('home');

    await page.getByRole('button', { name: 'Create a community' }).click();
    await page.getByLabel('Community name').fill('Accessible');
    await check('create-community dialog');
    await page.getByRole('dialog').getByRole('button', { name: 'Create' }).click();
    await expect.poll(() => page.getByRole('heading', { name: '#general' }).count()).toBe(1);
    await send(page, 'Hello, **world** — a first message');
    await send(page, 'And a second one with a link https://example.org');
    await expect.poll(() => messageWith(page, 'a second one').count(), { timeout: 20_000 }).toBe(1);
    await check('chat');
    await messageWith(page, 'a first message').getByRole('button', { name: /^Pin/ }).click();
    await expect.poll(() => page.getByRole('button', { name: /^Pinned \(1\)/ }).count(), { timeout: 20_000 }).toBe(1);
    await page.getByRole('button', { name: /^Pinned/ }).click();
    await check('pinned list');
    await page.keyboard.press('Escape');
    await page.getByRole('button', { name: 'Invite' }).click();
    await check('invite form');
    await page.getByRole('button', { name: 'Create invite link' }).click();
    await check('invite dialog');
    const inviteLink = await page.getByTestId('invite-link').inputValue();
    await page.getByRole('dialog').getByRole('button', { name: 'Close' }).click();

    await page.getByRole('link', { name: 'Direct messages' }).click();
    await check('direct messages');
    await page.goto(`${server.url}/#/settings`);
    await expect.poll(() => page.getByRole('heading', { name: 'Settings' }).count()).toBe(1);
    await check('settings');
    await page.goto(`${server.url}/#/settings/security`);
    await expect.poll(() => page.getByTestId('backup-status').count(), { timeout: 20_000 }).toBe(1);
    await check('settings: security and key backup');
    await page.goto(`${server.url}/#/settings/devices`);
    await expect.poll(() => page.getByTestId('devices').locator('li').count(), { timeout: 20_000 }).toBeGreaterThan(0);
    await check('settings: devices');
    await page.goto(`${server.url}/#/settings/invites`);
    await expect.poll(() => page.getByTestId('invite-row').count(), { timeout: 20_000 }).toBeGreaterThan(0);
    await check('settings: invites');

    await page.setViewportSize({ width: 360, height: 740 });
    await page.goBack();
    await check('phone layout');

    // Signed out: the sign-in and registration screens.
    const visitor = await pages.newPage();
    await visitor.goto(server.url);
    await expect.poll(() => visitor.getByRole('heading', { level: 1 }).textContent()).toBe('Sign in');
    found['sign-in'] = await seriousViolations(visitor);
    await visitor.getByRole('link', { name: 'Create one' }).click();
    await expect.poll(() => visitor.getByRole('heading', { level: 1 }).textContent()).toMatch(/Create/);
    found.register = await seriousViolations(visitor);
    await visitor.goto(inviteLink);
    await expect.poll(() => visitor.getByTestId('invite-preview').textContent(), { timeout: 20_000 }).toMatch(/invited you/);
    found['invite link'] = await seriousViolations(visitor);

    // A second device of the same account: the approval and key-backup banner, and its form.
    const second = await pages.newPage();
    await second.goto(server.url);
    await second.getByLabel('Username').fill('ada');
    await second.getByLabel('Password').fill(PASSWORD);
    await second.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => second.getByTestId('restore-banner').count(), { timeout: 20_000 }).toBe(1);
    found['new device banner'] = await seriousViolations(second);
    await second.getByTestId('restore-banner').getByRole('button', { name: 'Restore' }).click();
    found['restore form'] = await seriousViolations(second);

    expect(Object.entries(found).filter(([, v]) => v.length > 0)).toEqual([]);
    expect(pages.problems).toEqual([]);
  }, 120_000);
});

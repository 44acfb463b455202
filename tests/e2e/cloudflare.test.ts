/**
 * Issue #19 item 1: the browser suite's core flows against the Cloudflare build run for real
 * (`npm run dev:cloudflare`: wrangler dev with the worker and Durable Objects `npm run deploy`
 * ships, Miniflare's D1, R2 and Durable Object storage, the Argon2 Wasm module), and the same
 * flows against `npm start` in the same run, for the timings side by side:
 *   register (the owner's first run, a community, a member from its invite link),
 *   a channel conversation, a file sent and downloaded (into R2 under wrangler dev), a DM
 *   (a request, accepted),
 *   catch-up after reconnect (offline while three arrive, one queued, back online in order),
 *   key backup restore (a new device reads the history only after the recovery code).
 * Afterwards every byte each runtime stored holds no canary (V1).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { acceptDmRequest, browserSuite, communityOfTwo, expectNoCanaries, log, messageWith, send, signInAs, startDm, type BrowserSuite, type Runtime } from './helpers';

const timings: Record<string, Record<string, number>> = {};

afterAll(() => {
  const runtimes = Object.keys(timings);
  const flows = [...new Set(runtimes.flatMap((r) => Object.keys(timings[r]!)))];
  const rows = flows.map((f) => `| ${f} | ${runtimes.map((r) => (timings[r]![f] !== undefined ? `${(timings[r]![f]! / 1000).toFixed(2)} s` : '—')).join(' | ')} |`);
  console.log(['browser core flows, wall time per flow', `| flow | ${runtimes.join(' | ')} |`, `|---|${runtimes.map(() => '---|').join('')}`, ...rows].join('\n'));
});

/** Waits until the device has uploaded everything it knows (settings → security shows "Last saved"). */
async function backupSaved(suite: BrowserSuite, page: Page, back: string): Promise<void> {
  await page.goto(`${suite.server.url}/#/settings/security`);
  await expect.poll(() => page.getByTestId('backup-status').textContent(), { timeout: 30_000 }).toMatch(/Last saved/);
  await page.goto(back);
}

for (const runtime of ['wrangler dev', 'npm start'] as Runtime[]) {
  describe(`core flows on ${runtime}`, () => {
    const suite = browserSuite({}, runtime);
    const took: Record<string, number> = (timings[runtime] = {});
    const timed = async (flow: string, f: () => Promise<void>) => {
      const started = performance.now();
      await f();
      took[flow] = performance.now() - started;
    };

    it('register, channel, a file (R2 under wrangler dev), DM, catch-up after reconnect and key backup restore work, and nothing stored holds a canary', async () => {
      const canaries = Array.from({ length: 6 }, (_, i) => `cf${i}x${randomBytes(12).toString('hex')}`);
      const { server, pages } = suite;
      const alice = await pages.newPage();
      const bob = await pages.newPage();
      let channelUrl = '';
      let code = '';

      await timed('register (owner, community, member by invite link)', async () => {
        const made = await communityOfTwo(suite, alice, bob, 'Edge');
        channelUrl = made.channelUrl;
        code = made.codes[0];
      });

      await timed('channel: a message each way', async () => {
        await send(alice, `In the channel ${canaries[0]}`);
        await expect.poll(() => messageWith(bob, canaries[0]!).count(), { timeout: 30_000 }).toBe(1);
        await send(bob, `Reply ${canaries[1]}`);
        await expect.poll(() => messageWith(alice, canaries[1]!).count(), { timeout: 30_000 }).toBe(1);
      });

      await timed('file: sent, downloaded byte-identical', async () => {
        const bytes = Buffer.from(`notes ${canaries[5]}\n${randomBytes(150_000).toString('base64')}\n`);
        const name = `${canaries[5]}-notes.txt`;
        await alice.getByTestId('file-input').setInputFiles({ name, mimeType: 'text/plain', buffer: bytes });
        await expect.poll(() => alice.getByTestId('pending-file').filter({ hasText: 'Ready' }).count(), { timeout: 30_000 }).toBe(1);
        await send(alice, 'the notes');
        const message = messageWith(bob, 'the notes');
        await expect.poll(() => message.getByTestId('file-card').count(), { timeout: 30_000 }).toBe(1);
        const [download] = await Promise.all([bob.waitForEvent('download'), message.getByRole('button', { name: `Download ${name}` }).click()]);
        expect(Buffer.compare(readFileSync((await download.path())!), bytes)).toBe(0);
      });

      await timed('DM: started, accepted, a message each way', async () => {
        await startDm(alice, 'bob');
        await send(alice, `Private ${canaries[2]}`);
        await bob.getByRole('link', { name: 'Direct messages' }).click();
        const link = bob.getByRole('complementary').getByRole('link', { name: /alice/ });
        await expect.poll(() => link.count(), { timeout: 30_000 }).toBe(1);
        await link.click();
        await acceptDmRequest(bob);
        await expect.poll(() => messageWith(bob, canaries[2]!).count(), { timeout: 30_000 }).toBe(1);
        await send(bob, 'got it');
        await expect.poll(() => messageWith(alice, 'got it').count(), { timeout: 30_000 }).toBe(1);
      });

      await timed('catch-up after reconnect', async () => {
        await alice.goto(channelUrl);
        await bob.goto(channelUrl);
        await expect.poll(() => messageWith(bob, canaries[1]!).count(), { timeout: 30_000 }).toBe(1);
        await bob.context().setOffline(true);
        await expect.poll(() => bob.getByTestId('offline-banner').count(), { timeout: 20_000 }).toBe(1);
        for (const n of [1, 2, 3]) await send(alice, `while you were away ${n}`);
        await send(bob, `sent while offline ${canaries[3]}`);
        await expect.poll(() => bob.getByTestId('offline-banner').textContent()).toMatch(/1 message is waiting/);
        await bob.context().setOffline(false);
        await expect.poll(() => messageWith(bob, 'while you were away 3').count(), { timeout: 30_000 }).toBe(1);
        const order = (await log(bob).locator('li.message .text').allTextContents()).map((t) => t.trim()).filter((t) => t.startsWith('while you were away'));
        expect(order).toEqual(['while you were away 1', 'while you were away 2', 'while you were away 3']);
        await expect.poll(() => messageWith(alice, canaries[3]!).count(), { timeout: 30_000 }).toBe(1);
      });

      await timed('key backup restore on a new device', async () => {
        await backupSaved(suite, alice, channelUrl);
        const laptop = await pages.newPage();
        await signInAs(laptop, server.url, 'alice');
        const banner = laptop.getByTestId('restore-banner');
        await expect.poll(() => banner.count(), { timeout: 20_000 }).toBe(1);
        await laptop.goto(channelUrl);
        await expect.poll(() => laptop.getByRole('log').locator('[data-lock="waiting-for-key"]').count(), { timeout: 30_000 }).toBeGreaterThanOrEqual(2);
        expect(await messageWith(laptop, canaries[1]!).count()).toBe(0);
        await banner.getByRole('button', { name: 'Restore' }).click();
        await banner.getByLabel('Recovery code').fill(code);
        await banner.getByRole('button', { name: 'Restore my messages' }).click();
        await expect.poll(() => messageWith(laptop, canaries[0]!).count(), { timeout: 30_000 }).toBe(1);
        await expect.poll(() => messageWith(laptop, canaries[1]!).count(), { timeout: 30_000 }).toBe(1);
        // The restored device takes part from now on.
        await send(bob, `After the restore ${canaries[4]}`);
        await expect.poll(() => messageWith(laptop, canaries[4]!).count(), { timeout: 30_000 }).toBe(1);
      });

      expect(pages.problems.filter((p) => !/ERR_INTERNET_DISCONNECTED|WebSocket|401|404|409/.test(p))).toEqual([]);
      await pages.closeAll();
      await server.kill();
      if (runtime === 'wrangler dev') {
        // The file went to the R2 simulator (Miniflare keeps object bodies as blob files), which
        // the canary scan below reads with the rest.
        const stored = (readdirSync(server.dataDir, { recursive: true }) as string[]).filter((p) => /(^|[\\/])r2[\\/]/.test(p) && /[\\/]blobs[\\/]/.test(p));
        expect(stored.length).toBeGreaterThan(0);
        expect(stored.some((p) => statSync(join(server.dataDir, p)).isFile() && statSync(join(server.dataDir, p)).size > 150_000)).toBe(true);
      }
      expectNoCanaries(server.dataDir, canaries);
    }, 240_000);
  });
}

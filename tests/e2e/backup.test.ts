/**
 * The key backup in Chromium against the real server: Alice's first device keeps an encrypted
 * backup of her keys (the key comes from the recovery code made at registration), and a second
 * browser profile — a new device — signed in as Alice reads the channel history, Bob's messages
 * and her own, only after she types the recovery code; a wrong code is refused and restores
 * nothing. A password reset on a third device re-encrypts the backup under the new code, which
 * then restores on a fourth. The server's stored bytes hold no message canary (V1).
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { browserSuite, communityOfTwo, expectNoCanaries, messageWith, send, signInAs } from './helpers';

const suite = browserSuite();

/** Waits until the device has uploaded everything it knows (settings → security shows "Last saved"). */
async function backupSaved(page: Page, back: string): Promise<void> {
  await page.goto(`${suite.server.url}/#/settings/security`);
  await expect.poll(() => page.getByTestId('backup-status').textContent(), { timeout: 30_000 }).toMatch(/Last saved/);
  await page.goto(back);
}

describe('key backup', () => {
  it('a new device restores history with the recovery code; a wrong code restores nothing; a password reset re-encrypts it', async () => {
    const canaries = Array.from({ length: 3 }, (_, i) => `backup${i}x${randomBytes(12).toString('hex')}`);
    const { server, pages } = suite;
    const alice = await pages.newPage();
    const bob = await pages.newPage();
    const {
      channelUrl,
      codes: [code],
    } = await communityOfTwo(suite, alice, bob, 'Archive');
    await send(alice, `From Alice ${canaries[0]}`);
    await expect.poll(() => messageWith(bob, canaries[0]!).count(), { timeout: 20_000 }).toBe(1);
    await send(bob, `From Bob ${canaries[1]}`);
    await expect.poll(() => messageWith(alice, canaries[1]!).count(), { timeout: 20_000 }).toBe(1);
    await backupSaved(alice, channelUrl);

    // A new device: the history is there but unreadable until the recovery code is given.
    const laptop = await pages.newPage();
    await signInAs(laptop, server.url, 'alice');
    await expect.poll(() => laptop.getByTestId('restore-banner').count(), { timeout: 20_000 }).toBe(1);
    await laptop.goto(channelUrl);
    await expect.poll(() => laptop.getByRole('heading', { name: '#general' }).count(), { timeout: 20_000 }).toBe(1);
    // Both messages arrived and are shown as waiting for a key, not as text.
    await expect.poll(() => laptop.getByRole('log').locator('li.message').count(), { timeout: 20_000 }).toBeGreaterThanOrEqual(2);
    await expect.poll(() => laptop.getByRole('log').locator('[data-lock="waiting-for-key"]').count()).toBeGreaterThanOrEqual(2);
    expect(await messageWith(laptop, canaries[1]!).count()).toBe(0);

    // Each says why where it stands, and offers the restore (12.6): its button opens the banner's form.
    const problem = messageWith(laptop, '').getByTestId('decrypt-problem').first();
    await expect.poll(() => problem.textContent(), { timeout: 20_000 }).toMatch(/^Sent before this device was approved — restore your key backup to read it\./);
    const banner = laptop.getByTestId('restore-banner');
    await problem.getByRole('button', { name: 'Restore' }).click();
    await expect.poll(() => laptop.evaluate(() => (document.activeElement as HTMLInputElement | null)?.name)).toBe('backupRecoveryCode');
    const wrong = code.replace(/^./, code[0] === 'A' ? 'B' : 'A');
    await banner.getByLabel('Recovery code').fill(wrong);
    await banner.getByRole('button', { name: 'Restore my messages' }).click();
    await expect.poll(() => banner.getByRole('alert').textContent()).toMatch(/does not open your key backup/);
    expect(await messageWith(laptop, canaries[1]!).count()).toBe(0);

    await banner.getByLabel('Recovery code').fill(code.toLowerCase());
    await banner.getByRole('button', { name: 'Restore my messages' }).click();
    await expect.poll(() => messageWith(laptop, canaries[1]!).count(), { timeout: 20_000 }).toBe(1);
    await expect.poll(() => messageWith(laptop, canaries[0]!).count(), { timeout: 20_000 }).toBe(1);
    expect(await laptop.getByTestId('restore-banner').count()).toBe(0);
    // Turned readable in place: the explanations are gone with the reload-free update.
    expect(await laptop.getByTestId('decrypt-problem').count()).toBe(0);

    // The restored device also takes part from now on: Bob's next message reaches it directly.
    await send(bob, `After the restore ${canaries[2]}`);
    await expect.poll(() => messageWith(laptop, canaries[2]!).count(), { timeout: 30_000 }).toBe(1);
    await backupSaved(laptop, channelUrl);

    // Forgot the password: the reset on another device restores history with the old code and
    // re-encrypts the backup under the new one, which then opens it on yet another device.
    const phone = await pages.newPage();
    await phone.goto(server.url);
    await phone.getByRole('link', { name: 'Forgot your password?' }).click();
    await phone.getByLabel('Username').fill('alice');
    await phone.getByLabel('Recovery code').fill(code);
    await phone.getByLabel('New password', { exact: true }).fill('a brand new passphrase 7');
    await phone.getByLabel('Repeat new password').fill('a brand new passphrase 7');
    await phone.getByRole('button', { name: 'Reset password' }).click();
    const next = (await phone.getByTestId('recovery-code').textContent({ timeout: 15_000 }))!;
    await phone.getByLabel('I saved my recovery code').check();
    await phone.getByRole('button', { name: 'Continue' }).click();
    await expect.poll(() => phone.getByRole('heading', { name: /Welcome/ }).count(), { timeout: 20_000 }).toBe(1);
    await phone.goto(channelUrl);
    await expect.poll(() => messageWith(phone, canaries[2]!).count(), { timeout: 30_000 }).toBe(1);
    await backupSaved(phone, channelUrl);

    const tablet = await pages.newPage();
    await signInAs(tablet, server.url, 'alice', 'a brand new passphrase 7');
    await tablet.goto(`${server.url}/#/settings/security`);
    // A device that does not keep the backup may not replace the code: the backup would stay under the old one.
    await tablet.getByRole('region', { name: 'Recovery code' }).getByLabel('Password').fill('a brand new passphrase 7');
    await tablet.getByRole('button', { name: 'Make a new recovery code' }).click();
    await expect.poll(() => tablet.getByRole('alert').filter({ hasText: 'does not keep your key backup' }).count(), { timeout: 20_000 }).toBe(1);
    expect(await tablet.getByTestId('new-recovery-code').count()).toBe(0);
    await tablet.getByRole('textbox', { name: 'Recovery code' }).fill(code);
    await tablet.getByRole('button', { name: 'Turn on key backup' }).click();
    await expect.poll(() => tablet.getByRole('alert').filter({ hasText: 'does not open' }).count()).toBe(1);
    await tablet.getByRole('textbox', { name: 'Recovery code' }).fill(next);
    await tablet.getByRole('button', { name: 'Turn on key backup' }).click();
    await expect.poll(() => tablet.getByTestId('backup-status').textContent(), { timeout: 30_000 }).toMatch(/On for this device/);
    await tablet.goto(channelUrl);
    for (const c of canaries) await expect.poll(() => messageWith(tablet, c).count(), { timeout: 30_000 }).toBe(1);

    // Issue #20: a new recovery code made on one device is announced to the account's other
    // devices at once (inside their pairwise sessions). The phone, which keeps the backup under
    // the previous code and does nothing meanwhile, asks for the new one without a key change of
    // its own to make it look.
    await expect.poll(() => phone.getByTestId('restore-banner').count()).toBe(0);
    await tablet.goto(`${server.url}/#/settings/security`);
    await tablet.getByRole('region', { name: 'Recovery code' }).getByLabel('Password').fill('a brand new passphrase 7');
    await tablet.getByRole('button', { name: 'Make a new recovery code' }).click();
    await expect.poll(() => tablet.getByTestId('new-recovery-code').count(), { timeout: 20_000 }).toBe(1);
    await expect.poll(() => phone.getByTestId('restore-banner').textContent(), { timeout: 20_000 }).toMatch(/recovery code was changed on another device/);

    expect(pages.problems.filter((p) => !/401|404|409/.test(p))).toEqual([]);
    await pages.closeAll();
    await server.kill();
    expectNoCanaries(server.dataDir, canaries);
  }, 120_000);
});

/**
 * Issue #13 items 5 and 6 in Chromium against `npm start`: Alice sets an avatar (a photo carrying
 * a canary in its metadata: the crop on her device drops it) and a banner, gives her community an
 * icon, an accent and a custom emoji; Bob sees her avatar beside her messages, her banner on her
 * page (opened from the member list or her message's avatar), the icon in his rail, the
 * emoji in her message, completes `:name` to it in his composer and reacts with it. When Alice
 * deletes the emoji, her message reads `:name:` as text again. A group DM gets a picture Bob
 * sees in his conversation list. Nothing of the canary is stored.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { browserSuite, communityOfTwo, expectNoCanaries, messageWith, registerAnother, send, seriousViolations, startDm } from './helpers';
import { png } from '../images/samples';

const suite = browserSuite();

describe('avatars, community look and custom emoji in the browser', () => {
  it('13.5/13.6: avatar (metadata dropped), icon, accent, :emoji: in messages, autocomplete and reactions; deleting it leaves :name: readable', async () => {
    const canary = `avatarcanary${randomBytes(10).toString('hex')}`;
    const alice = await suite.pages.newPage();
    const bob = await suite.pages.newPage();
    const { channelUrl } = await communityOfTwo(suite, alice, bob, 'Pictures', ['alice', 'bob']);

    // Alice's avatar, from a 600×400 photo: cropped to a square on her device and sent re-encoded.
    await alice.getByRole('link', { name: 'Settings' }).click();
    const avatarUpload = alice.waitForResponse((r) => r.url().endsWith('/api/me/avatar') && r.request().method() === 'PUT');
    await alice.getByLabel('Choose a picture for avatar').setInputFiles({ name: 'holiday.png', mimeType: 'image/png', buffer: png(600, 400, [30, 140, 200], canary) });
    expect((await avatarUpload).status()).toBe(200);
    const current = alice.getByRole('img', { name: 'Current avatar' });
    await expect.poll(() => current.count(), { timeout: 20_000 }).toBe(1);
    expect(await seriousViolations(alice)).toEqual([]);
    await expect.poll(() => current.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth), { timeout: 20_000 }).toBe(256);
    expect(await current.evaluate((img: HTMLImageElement) => img.naturalHeight)).toBe(256);
    // And a profile banner, cropped to 3:1 on her device.
    const bannerUpload = alice.waitForResponse((r) => r.url().endsWith('/api/me/banner') && r.request().method() === 'PUT');
    await alice.getByLabel('Choose a picture for banner').setInputFiles({ name: 'sunset.png', mimeType: 'image/png', buffer: png(1200, 600, [240, 120, 40]) });
    expect((await bannerUpload).status()).toBe(200);
    await expect.poll(() => alice.getByRole('img', { name: 'Current banner' }).count(), { timeout: 20_000 }).toBe(1);

    // Her community: an icon, an accent, and an emoji.
    await alice.goto(channelUrl);
    await alice.getByText('Community menu').click();
    await alice.getByRole('button', { name: 'Appearance' }).click();
    const iconUpload = alice.waitForResponse((r) => /\/icon$/.test(r.url()) && r.request().method() === 'PUT');
    await alice.getByLabel('Choose a picture for icon').setInputFiles({ name: 'logo.png', mimeType: 'image/png', buffer: png(300, 300, [250, 200, 0]) });
    expect((await iconUpload).status()).toBe(200);
    await expect.poll(() => alice.getByRole('img', { name: 'Current icon' }).count(), { timeout: 20_000 }).toBe(1);
    expect(await seriousViolations(alice)).toEqual([]);
    const accent = alice.waitForResponse((r) => /\/api\/communities\/[^/]+$/.test(r.url()) && r.request().method() === 'PATCH');
    await alice.getByLabel('Accent colour').fill('#3a7bd5');
    expect((await accent).status()).toBe(200);
    await alice.getByRole('dialog').getByRole('button', { name: 'Close' }).click();
    await alice.getByText('Community menu').click();
    await alice.getByRole('button', { name: 'Emoji', exact: true }).click();
    await alice.getByLabel(/^Picture/).setInputFiles({ name: 'wavecat.png', mimeType: 'image/png', buffer: png(64, 64, [220, 30, 30]) });
    expect(await alice.getByLabel('Name', { exact: true }).inputValue()).toBe('wavecat');
    await alice.getByRole('button', { name: 'Add emoji' }).click();
    await expect.poll(() => alice.getByRole('list', { name: 'Custom emoji' }).getByText(':wavecat:').count(), { timeout: 20_000 }).toBe(1);
    expect(await seriousViolations(alice)).toEqual([]);
    await alice.getByRole('dialog').getByRole('button', { name: 'Close' }).click();

    // Alice writes with it; Bob sees the emoji, her avatar, and the icon in his rail.
    await send(alice, 'Hello :wavecat: everyone');
    const hers = messageWith(bob, 'everyone');
    await expect.poll(() => hers.locator('img.custom-emoji[alt=":wavecat:"]').count(), { timeout: 20_000 }).toBe(1);
    await expect.poll(() => hers.locator('.avatar img').count(), { timeout: 20_000 }).toBe(1);
    await expect.poll(() => hers.locator('.avatar img').evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth), { timeout: 20_000 }).toBe(256);
    await expect.poll(() => bob.getByRole('navigation', { name: 'Communities' }).locator('img.rail-icon').count(), { timeout: 20_000 }).toBe(1);
    expect(await bob.getByRole('navigation', { name: 'Communities' }).locator('.rail-item.has-accent').count()).toBe(1);

    // Her page, opened from the member list, shows her banner and avatar above the safety numbers.
    await bob.locator('.member-list li a', { hasText: 'alice' }).click();
    const head = bob.getByTestId('person-head');
    await expect.poll(() => head.getByTestId('person-banner').count(), { timeout: 20_000 }).toBe(1);
    await expect.poll(() => head.getByTestId('person-banner').evaluate((img: HTMLImageElement) => img.complete && [img.naturalWidth, img.naturalHeight]), { timeout: 20_000 }).toEqual([960, 320]);
    expect(await head.locator('.avatar img').count()).toBe(1);
    expect(await head.locator('.person-name').innerText()).toBe('alice');
    expect(await seriousViolations(bob)).toEqual([]);
    await bob.goBack();
    // The same page from the avatar beside her message.
    await hers.getByRole('link', { name: "Open alice's page" }).click();
    await expect.poll(() => bob.getByTestId('person-banner').count(), { timeout: 20_000 }).toBe(1);
    await bob.goBack();
    await expect.poll(() => hers.count(), { timeout: 20_000 }).toBe(1);

    // Bob completes `:wave` to the community's emoji, and reacts with it.
    await bob.locator('#composer-input').fill('Back at you :waveca');
    await bob.getByRole('listbox', { name: 'Emoji suggestions' }).getByRole('button', { name: /:wavecat:/ }).click();
    await expect.poll(() => bob.locator('#composer-input').inputValue()).toBe('Back at you :wavecat: ');
    await bob.locator('#composer-input').press('Enter');
    await expect.poll(() => messageWith(alice, 'Back at you').locator('img.custom-emoji').count(), { timeout: 20_000 }).toBe(1);
    await hers.hover();
    await hers.getByRole('button', { name: 'React to message' }).click();
    await bob.getByPlaceholder('Search emoji').fill('wavecat');
    await bob.getByRole('button', { name: 'wavecat' }).click();
    const chip = messageWith(alice, 'everyone').locator('.reaction img.custom-emoji[alt=":wavecat:"]');
    await expect.poll(() => chip.count(), { timeout: 20_000 }).toBe(1);

    // Alice deletes the emoji: old messages read `:wavecat:` as text.
    await alice.getByText('Community menu').click();
    await alice.getByRole('button', { name: 'Emoji', exact: true }).click();
    await alice.getByRole('button', { name: 'Delete :wavecat:' }).click();
    await expect.poll(() => alice.getByRole('list', { name: 'Custom emoji' }).getByText(':wavecat:').count(), { timeout: 20_000 }).toBe(0);
    await alice.getByRole('dialog').getByRole('button', { name: 'Close' }).click();
    await expect.poll(() => hers.locator('img.custom-emoji').count(), { timeout: 20_000 }).toBe(0);
    expect(await hers.locator('.markdown').innerText()).toContain('Hello :wavecat: everyone');

    // A reload keeps the avatar and the icon.
    await bob.reload();
    await expect.poll(() => messageWith(bob, 'everyone').locator('.avatar img').count(), { timeout: 30_000 }).toBe(1);
    await expect.poll(() => bob.getByRole('navigation', { name: 'Communities' }).locator('img.rail-icon').count(), { timeout: 20_000 }).toBe(1);

    // A group DM has a picture and colour of its own, set by any member and seen by the others.
    const carol = await suite.pages.newPage();
    await registerAnother(carol, suite.server.url, 'carol', suite.pages.problems);
    await startDm(alice, 'bob, carol');
    await expect.poll(() => alice.getByRole('button', { name: 'Group picture' }).count(), { timeout: 20_000 }).toBe(1);
    await alice.getByRole('button', { name: 'Group picture' }).click();
    const groupIcon = alice.waitForResponse((r) => /\/api\/dms\/[^/]+\/icon$/.test(r.url()) && r.request().method() === 'PUT');
    await alice.getByLabel('Choose a picture for icon').setInputFiles({ name: 'us.png', mimeType: 'image/png', buffer: png(200, 200, [20, 180, 60]) });
    expect((await groupIcon).status()).toBe(200);
    await alice.getByRole('dialog').getByRole('button', { name: 'Close' }).click();
    await bob.getByRole('link', { name: 'Direct messages' }).click();
    await expect.poll(() => bob.getByRole('complementary').locator('img.conversation-icon').count(), { timeout: 20_000 }).toBe(1);
    expect(suite.pages.problems).toEqual([]);

    // The photo's metadata never reached the server (the crop on Alice's device re-encoded it).
    await suite.server.kill();
    expectNoCanaries(suite.server.dataDir, [canary]);
  });
});

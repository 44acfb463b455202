/**
 * The owner's first minutes and one link to join (issue 12 items 1 and 2), in Chromium against
 * `npm start` with an empty DATA_DIR and the default invite-only registration: the owner sets up
 * the instance, follows the getting-started checklist to create a community and an invite link;
 * a newcomer opens the link, sees who invited them where, registers and lands in the community,
 * and they exchange messages. The test makes no API call of its own: everything goes through
 * the screens. Then the owner revokes the link in Settings → Invites and it stops working.
 * Prints the time from opening the link to the newcomer's first message being sent.
 */
import { describe, expect, it } from 'vitest';
import { browserSuite, messageWith, register, send } from './helpers';

// No REGISTRATION_MODE override beyond the product's default.
const suite = browserSuite({ REGISTRATION_MODE: 'invite_only' });

describe('first run and one link to join', () => {
  it('12.1/12.2: owner checklist → community → invite link; a newcomer registers from the link into the community and they talk; revoking stops the link', async () => {
    const owner = await suite.pages.newPage();
    const newcomer = await suite.pages.newPage();
    await owner.goto(suite.server.url);
    await expect.poll(() => owner.getByRole('heading', { level: 1 }).textContent()).toBe('Set up this instance');
    await register(owner, 'olivia', suite.pages.problems);

    // The checklist, on the home screen.
    const checklist = owner.getByRole('region', { name: 'Get started' });
    await expect.poll(() => checklist.count(), { timeout: 20_000 }).toBe(1);
    expect(await checklist.getByRole('listitem').allTextContents()).toEqual([
      'To do: Invite people',
      'To do: Create your first community',
      'To do: Set up two-factor authentication',
      // Confirmed at registration on this device.
      '✓Done: Save your recovery code',
    ].map((t) => (t.startsWith('✓') ? t : `○${t}`)));

    await checklist.getByRole('button', { name: 'Create your first community' }).click();
    await owner.getByLabel('Community name').fill('Book club');
    await owner.getByRole('dialog').getByRole('button', { name: 'Create' }).click();
    await expect.poll(() => owner.getByRole('heading', { name: '#general' }).count(), { timeout: 20_000 }).toBe(1);
    const channelUrl = owner.url();

    await owner.getByRole('link', { name: 'Direct messages' }).click();
    await expect.poll(() => owner.getByTestId('checklist-community').textContent()).toMatch(/Done: Create your first community/);
    await checklist.getByRole('button', { name: 'Invite people' }).click();
    const dialog = owner.getByRole('dialog', { name: 'Invite people' });
    expect(await dialog.getByLabel('Invite to').inputValue()).not.toBe('');
    expect(await dialog.getByLabel('People without an account may create one with this link').isChecked()).toBe(true);
    await dialog.getByRole('button', { name: 'Create invite link' }).click();
    const link = await dialog.getByTestId('invite-link').inputValue();
    expect(link).toMatch(new RegExp(`^${suite.server.url}/#/join/[A-Za-z0-9_-]{16}$`));
    await dialog.getByRole('button', { name: 'Close' }).click();
    await expect.poll(() => owner.getByTestId('checklist-invite').textContent()).toMatch(/Done: Invite people/);

    // The newcomer: the link shows where it leads, then one form.
    const opened = performance.now();
    await newcomer.goto(link);
    const preview = newcomer.getByTestId('invite-preview');
    await expect.poll(() => preview.textContent(), { timeout: 20_000 }).toMatch(/olivia invited you to join/);
    expect(await preview.textContent()).toMatch(/Book club.*1 member/);
    expect(await newcomer.getByRole('heading', { level: 1 }).textContent()).toBe('Create your account to join');
    await register(newcomer, 'nadia', suite.pages.problems);
    await expect.poll(() => newcomer.getByRole('heading', { name: '#general' }).count(), { timeout: 30_000 }).toBe(1);
    await send(newcomer, 'hello from the link');
    // Sent: the server has given it its place in the channel.
    await expect.poll(async () => (await messageWith(newcomer, 'hello from the link').getAttribute('data-seq')) ?? '', { timeout: 30_000 }).toMatch(/^\d+$/);
    const seconds = (performance.now() - opened) / 1000;
    console.log(`invite link opened → first message sent: ${seconds.toFixed(1)} s (registration, key setup, joining and sending, on this machine)`);

    await owner.goto(channelUrl);
    await expect.poll(() => messageWith(owner, 'hello from the link').count(), { timeout: 30_000 }).toBe(1);
    await send(owner, 'welcome, nadia');
    await expect.poll(() => messageWith(newcomer, 'welcome, nadia').count(), { timeout: 30_000 }).toBe(1);

    // Settings → Invites: the link with its use, then revoked.
    await owner.goto(`${suite.server.url}/#/settings/invites`);
    await expect.poll(() => owner.getByTestId('join-hint').textContent(), { timeout: 20_000 }).toMatch(/needs an invite link/);
    const row = owner.getByTestId('invite-row').filter({ hasText: link.split('/').pop()! });
    await expect.poll(() => row.textContent(), { timeout: 20_000 }).toMatch(/Book club \(new accounts too\).*1.*Active/);
    await row.getByRole('button', { name: /^Revoke/ }).click();
    await expect.poll(() => row.textContent()).toMatch(/Revoked/);

    const late = await suite.pages.newPage();
    await late.goto(link);
    await expect.poll(() => late.getByTestId('invite-preview').textContent(), { timeout: 20_000 }).toMatch(/This invite was revoked/);
    expect(await late.getByTestId('invite-preview').textContent()).not.toMatch(/Book club/);
    // The sign-in screen says how people get in here.
    expect(await late.getByTestId('join-hint').textContent()).toMatch(/needs an invite link/);
    expect(suite.pages.problems).toEqual([]);
  }, 180_000);
});

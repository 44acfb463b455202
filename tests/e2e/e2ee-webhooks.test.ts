/**
 * Issue #17 item 4 in Chromium: an end-to-end encrypted webhook. Alice (the owner) creates one
 * for #general with the "End-to-end encrypted" box and is shown its `chatalot-post enrol` command
 * once; a "CI machine" (this test, running bin/chatalot-post.mjs) enrols with it and prints a
 * fingerprint; Alice sees the same fingerprint in the dialog and approves; the CI machine posts;
 * Bob's browser decrypts it and shows it with the normal lock and a "Bot" badge — not the
 * "not end-to-end encrypted" mark of a plaintext webhook. The canary in its text is in no stored
 * byte. Deleting the webhook removes its bot like a member, and the CI machine's old keys can no
 * longer post.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chatalotPost } from '../helpers/chatalotPost';
import { browserSuite, communityOfTwo, expectNoCanaries, messageWith, send, seriousViolations } from './helpers';

const suite = browserSuite();
const CANARY = 'e2ee-webhook-browser-canary-7b3c';
const work = mkdtempSync(join(tmpdir(), 'chatalot-post-e2e-'));

const cli = (args: string[]) => chatalotPost(work, args);

describe('end-to-end encrypted webhooks', () => {
  it('17.4: enrolled with the command the dialog shows, approved by fingerprint, its post is shown with the lock and a Bot badge', async () => {
    const alice = await suite.pages.newPage();
    const bob = await suite.pages.newPage();
    const { channelUrl } = await communityOfTwo(suite, alice, bob, 'Sealed hooks', ['alice', 'bob']);
    await alice.goto(channelUrl);
    await bob.goto(channelUrl);
    await expect.poll(() => bob.locator('#composer-input').isEnabled(), { timeout: 20_000 }).toBe(true);

    await alice.getByRole('button', { name: 'Webhooks' }).click();
    const dialog = alice.getByRole('dialog');
    await expect.poll(() => dialog.getByText('No webhooks yet.').count(), { timeout: 20_000 }).toBe(1);
    await dialog.getByLabel('Webhook name').fill('Deploys');
    await dialog.getByLabel('End-to-end encrypted (posts with chatalot-post)').check();
    await dialog.getByRole('button', { name: 'Create webhook' }).click();
    await expect.poll(() => dialog.getByTestId('webhook-enrolment').count(), { timeout: 20_000 }).toBe(1);
    const command = await dialog.getByTestId('webhook-enrolment').inputValue();
    expect(command).toMatch(/^npx chatalot-post enrol --server \S+ --channel [\w-]+ --token [\w-]{43}$/);
    expect(await dialog.getByTestId('webhook-url').count()).toBe(0);
    await expect.poll(() => dialog.getByTestId('webhook-pending').textContent(), { timeout: 20_000 }).toMatch(/Waiting for chatalot-post to enrol/);
    expect(await seriousViolations(alice)).toEqual([]);

    // The CI machine runs the command it was given.
    const state = join(work, 'deploys.json');
    const enrolled = await cli([...command.split(' ').slice(2), '--state', state]);
    expect(enrolled.stderr).toBe('');
    expect(enrolled.code).toBe(0);
    const fingerprint = /fingerprint: ([0-9a-f ]+)/.exec(enrolled.stdout)![1]!.trim();
    // Not approved yet: it cannot post.
    expect((await cli(['post', '--state', state, 'too early'])).code).toBe(1);

    // Alice sees the same fingerprint and approves.
    await dialog.getByRole('button', { name: 'Close' }).click();
    await alice.getByRole('button', { name: 'Webhooks' }).click();
    await expect.poll(() => dialog.getByTestId('webhook-pending').textContent(), { timeout: 20_000 }).toContain(fingerprint);
    await dialog.getByRole('button', { name: 'Approve Deploys' }).click();
    await expect.poll(() => dialog.getByTestId('webhook-pending').count(), { timeout: 20_000 }).toBe(0);
    expect(await dialog.getByText('End-to-end encrypted', { exact: true }).count()).toBe(1);
    await dialog.getByRole('button', { name: 'Close' }).click();
    // Bob reloads the channel's members (a fresh visit), so he knows the bot as the app does after a join.
    await bob.reload();
    await expect.poll(() => bob.locator('#composer-input').isEnabled(), { timeout: 20_000 }).toBe(true);

    const posted = await cli(['post', '--state', state, `Deploy 12 **finished** ${CANARY}`]);
    expect(posted.stderr).toBe('');
    expect(posted.code).toBe(0);
    const row = messageWith(bob, CANARY);
    await expect.poll(() => row.count(), { timeout: 60_000 }).toBe(1);
    expect(await row.locator('.sender').textContent()).toBe('Deploys');
    expect(await row.getByTestId('bot-tag').textContent()).toBe('Bot');
    expect(await row.locator('[data-lock="webhook"]').count()).toBe(0);
    expect(await row.locator('.lock').count()).toBe(1);
    expect(await row.locator('strong', { hasText: 'finished' }).count()).toBe(1);
    await expect.poll(() => messageWith(alice, CANARY).count(), { timeout: 60_000 }).toBe(1);
    expect(await seriousViolations(bob)).toEqual([]);

    // Members keep talking; then the webhook is deleted and its old keys cannot post.
    await send(alice, 'after the deploy');
    await expect.poll(() => messageWith(bob, 'after the deploy').count(), { timeout: 30_000 }).toBe(1);
    await alice.getByRole('button', { name: 'Webhooks' }).click();
    await dialog.getByRole('button', { name: 'Delete Deploys' }).click();
    await dialog.getByRole('button', { name: 'Confirm: delete Deploys' }).click();
    await expect.poll(() => dialog.getByText('No webhooks yet.').count(), { timeout: 20_000 }).toBe(1);
    await dialog.getByRole('button', { name: 'Close' }).click();
    const refused = await cli(['post', '--state', state, 'after removal']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/refused this webhook's session/);
    await send(alice, 'after the bot left');
    await expect.poll(() => messageWith(bob, 'after the bot left').count(), { timeout: 30_000 }).toBe(1);
    expect(await messageWith(bob, 'after removal').count()).toBe(0);

    expectNoCanaries(suite.server.dataDir, [CANARY]);
  });
});

/**
 * Issue #17 item 3 in Chromium: incoming webhooks. Alice (the owner) creates a webhook for
 * #general from the channel's Webhooks button and gets its URL once; a "CI server" (this test)
 * POSTs to it; Bob sees the post under the name it asked for, marked "not end-to-end encrypted —
 * posted by webhook CI" with a Webhook tag and no lock, its Markdown and embed rendered through the
 * message sanitizer (a javascript: link stays inert). HTML is refused at the door. A new URL stops
 * the old one; deleting the webhook stops the new one. The webhook's text is stored (plaintext by
 * nature); Bob's own encrypted message beside it leaves no trace of its canary.
 */
import { describe, expect, it } from 'vitest';
import { browserSuite, communityOfTwo, expectNoCanaries, filesUnder, log, messageWith, needles, send, seriousViolations, signInAs } from './helpers';
import { readFileSync } from 'node:fs';

const suite = browserSuite();
const E2EE_CANARY = 'e2ee-canary-beside-webhook-41d7';
const WEBHOOK_TEXT = 'webhook-plaintext-3e9a';

const post = (url: string, body: unknown) => fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

describe('incoming webhooks', () => {
  it('17.3 W1: a webhook made in the channel posts a message marked not end-to-end encrypted; a new URL and deletion stop the old ones', async () => {
    const alice = await suite.pages.newPage();
    const bob = await suite.pages.newPage();
    const { channelUrl } = await communityOfTwo(suite, alice, bob, 'Hook club', ['alice', 'bob']);
    await alice.goto(channelUrl);
    await bob.goto(channelUrl);
    await expect.poll(() => bob.locator('#composer-input').isEnabled(), { timeout: 20_000 }).toBe(true);

    // Bob (a plain member) has no Webhooks button; Alice does.
    expect(await bob.getByRole('button', { name: 'Webhooks' }).count()).toBe(0);
    await alice.getByRole('button', { name: 'Webhooks' }).click();
    const dialog = alice.getByRole('dialog');
    await expect.poll(() => dialog.getByText('No webhooks yet.').count(), { timeout: 20_000 }).toBe(1);
    await dialog.getByLabel('Webhook name').fill('CI');
    await dialog.getByRole('button', { name: 'Create webhook' }).click();
    await expect.poll(() => dialog.getByTestId('webhook-url').count(), { timeout: 20_000 }).toBe(1);
    const url = await dialog.getByTestId('webhook-url').inputValue();
    expect(url).toMatch(/\/api\/webhooks\/[\w-]+\/[\w-]{43}$/);
    expect(await seriousViolations(alice)).toEqual([]);
    await dialog.getByRole('button', { name: 'Close' }).click();

    expect((await post(url, { content: `build **passed** ${WEBHOOK_TEXT} [details](javascript:alert(1))`, username: 'CI bot', embeds: [{ title: 'Build 7', fields: [{ name: 'branch', value: 'main' }] }] })).status).toBe(204);
    const row = messageWith(bob, WEBHOOK_TEXT);
    await expect.poll(() => row.count(), { timeout: 30_000 }).toBe(1);
    expect(await row.locator('.sender').textContent()).toBe('CI bot');
    expect(await row.locator('[data-lock="webhook"]').textContent()).toContain('Not end-to-end encrypted — posted by webhook CI');
    expect(await row.locator('.bot-tag').textContent()).toBe('Webhook');
    expect(await row.locator('.lock').count()).toBe(0);
    expect(await row.locator('strong', { hasText: 'passed' }).count()).toBe(1);
    expect(await row.getByText('Build 7').count()).toBe(1);
    expect(await row.locator('a[href^="javascript"]').count()).toBe(0);
    expect(await row.getByRole('button', { name: 'Report message' }).count()).toBe(0);
    expect(await seriousViolations(bob)).toEqual([]);

    // HTML is refused at the door and nothing appears.
    const html = await post(url, { content: '<img src=x onerror=alert(1)> html-attempt' });
    expect(html.status).toBe(400);
    expect(((await html.json()) as { error: { message: string } }).error.message).toMatch(/HTML/);

    // Bob's own message beside it is end-to-end encrypted as always.
    await send(bob, E2EE_CANARY);
    await expect.poll(() => messageWith(alice, E2EE_CANARY).count(), { timeout: 30_000 }).toBe(1);
    expect(await messageWith(alice, 'html-attempt').count()).toBe(0);

    // A new URL stops the old one; deleting the webhook stops the new one.
    await alice.getByRole('button', { name: 'Webhooks' }).click();
    await expect.poll(() => dialog.getByRole('button', { name: 'New URL for CI' }).count(), { timeout: 20_000 }).toBe(1);
    await dialog.getByRole('button', { name: 'New URL for CI' }).click();
    await expect.poll(async () => (await dialog.getByTestId('webhook-url').count()) > 0 && (await dialog.getByTestId('webhook-url').inputValue()) !== url, { timeout: 20_000 }).toBe(true);
    const fresh = await dialog.getByTestId('webhook-url').inputValue();
    expect((await post(url, { content: 'old url' })).status).toBe(404);
    expect((await post(fresh, { content: 'fresh url works' })).status).toBe(204);
    // The dialog is modal: it is closed before the message list is used again.
    await dialog.getByRole('button', { name: 'Close' }).click();
    await expect.poll(() => messageWith(bob, 'fresh url works').count(), { timeout: 30_000 }).toBe(1);
    // A moderator deletes a webhook's post from its toolbar (Bob, a plain member, cannot). Bob's
    // device keeps the name it read; a device that never read the post (the name went with its
    // text) names it a webhook, not "someone".
    expect(await messageWith(bob, 'fresh url works').getByRole('button', { name: 'Delete message' }).count()).toBe(0);
    expect(await messageWith(alice, E2EE_CANARY).getByRole('button', { name: 'Delete message' }).count()).toBe(1); // the owner over a member
    const spam = messageWith(alice, 'fresh url works');
    await spam.getByRole('button', { name: 'Delete message' }).click();
    await spam.getByRole('button', { name: 'Confirm delete' }).click();
    const tombstone = log(bob).locator('li.message.deleted');
    await expect.poll(() => tombstone.count(), { timeout: 30_000 }).toBe(1);
    expect(await messageWith(bob, 'fresh url works').count()).toBe(0);
    expect(await tombstone.locator('.sender').textContent()).toBe('CI');
    const tablet = await suite.pages.newPage();
    await signInAs(tablet, suite.server.url, 'bob');
    await tablet.goto(channelUrl);
    const unseen = log(tablet).locator('li.message.deleted');
    await expect.poll(() => unseen.count(), { timeout: 30_000 }).toBe(1);
    expect(await unseen.locator('.sender').textContent()).toBe('Webhook');
    await tablet.close();
    // Opened again, the list counts both posts.
    await alice.getByRole('button', { name: 'Webhooks' }).click();
    await expect.poll(() => dialog.getByText(/Posts: 2/).count(), { timeout: 20_000 }).toBe(1);
    expect(await dialog.getByTestId('webhook-url').count()).toBe(0); // a URL is shown once
    await dialog.getByRole('button', { name: 'Delete CI' }).click();
    await dialog.getByRole('button', { name: 'Confirm: delete CI' }).click();
    await expect.poll(() => dialog.getByText('No webhooks yet.').count(), { timeout: 20_000 }).toBe(1);
    expect((await post(fresh, { content: 'after delete' })).status).toBe(404);

    // Storage: the webhook's text is there (it was sent in plaintext); the encrypted message's is not.
    expectNoCanaries(suite.server.dataDir, [E2EE_CANARY]);
    const forms = needles(WEBHOOK_TEXT);
    expect(filesUnder(suite.server.dataDir).some((f) => forms.some((n) => readFileSync(f).toString('latin1').includes(n)))).toBe(true);
  });
});

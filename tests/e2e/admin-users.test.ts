/**
 * Issue #16 item 6 in the browser: Bob sends a bug report from Settings → Feedback, which Alice,
 * the owner, reads and closes in Settings → Instance, where she also closes registration. In
 * Settings → Users, beyond quarantine, she sees Bob's
 * sessions, devices and 2FA, makes him an admin (his settings then offer the admin sections),
 * and ends every session of his (his app returns to the sign-in screen); Settings → Audit log shows both, filtered by event. The server side, with
 * 2FA resets and deletion, is tests/auth/adminUsers.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { browserSuite, communityOfTwo, seriousViolations } from './helpers';

const suite = browserSuite();

describe('the admin panel’s accounts in the browser', () => {
  it('16.6: make an admin, and sign someone out everywhere', async () => {
    const alice = await suite.pages.newPage();
    const bob = await suite.pages.newPage();
    await communityOfTwo(suite, alice, bob, 'Admins', ['alice', 'bob']);
    // Bob sends the admins a bug report from Settings → Feedback.
    await bob.goto(`${suite.server.url}/#/settings/feedback`);
    await bob.getByLabel('What is it?').selectOption('bug');
    await bob.getByLabel('Message', { exact: true }).fill('The emoji picker closes too early');
    await bob.getByRole('button', { name: 'Send to the admins' }).click();
    await expect.poll(() => bob.getByTestId('feedback-sent').count(), { timeout: 20_000 }).toBe(1);
    expect(await seriousViolations(bob)).toEqual([]);
    // Alice reads it in Settings → Instance, closes it, and closes registration.
    await alice.goto(`${suite.server.url}/#/settings/instance`);
    const report = alice.getByTestId('feedback-item').filter({ hasText: 'The emoji picker closes too early' });
    await expect.poll(() => report.count(), { timeout: 20_000 }).toBe(1);
    expect(await report.textContent()).toContain('from bob');
    await report.getByRole('button', { name: 'Close', exact: true }).click();
    await expect.poll(() => report.count(), { timeout: 20_000 }).toBe(0);
    await alice.getByRole('radio', { name: /^Closed: nobody new may register/ }).check();
    await expect.poll(() => alice.getByText('Saved.').count(), { timeout: 20_000 }).toBe(1);
    expect(await seriousViolations(alice)).toEqual([]);
    const config = (await (await fetch(`${suite.server.url}/api/auth/config`)).json()) as { registrationMode: string };
    expect(config.registrationMode).toBe('closed');
    await alice.goto(`${suite.server.url}/#/settings/users`);
    await alice.getByLabel('Find by username').fill('bob');
    const row = alice.getByTestId('admin-user').filter({ hasText: 'bob' });
    await expect.poll(() => row.count(), { timeout: 20_000 }).toBe(1);
    expect(await row.textContent()).toMatch(/1 session · 1 device · 2FA off/);
    expect(await seriousViolations(alice)).toEqual([]);

    await row.getByRole('button', { name: 'Make admin' }).click();
    await expect.poll(() => row.getByRole('button', { name: 'Remove admin' }).count(), { timeout: 20_000 }).toBe(1);
    await bob.goto(`${suite.server.url}/#/settings/profile`);
    await bob.reload();
    await expect.poll(() => bob.getByRole('link', { name: 'Users', exact: true }).count(), { timeout: 30_000 }).toBe(1);

    await row.getByRole('button', { name: 'Remove admin' }).click();
    await expect.poll(() => row.getByRole('button', { name: 'Make admin' }).count(), { timeout: 20_000 }).toBe(1);
    await row.getByRole('button', { name: 'Sign out everywhere' }).click();
    await expect.poll(() => alice.getByText('Every session of bob ended.').count(), { timeout: 20_000 }).toBe(1);
    await bob.reload();
    await expect.poll(() => bob.getByRole('heading', { level: 1 }).textContent(), { timeout: 30_000 }).toBe('Sign in');

    // Settings → Audit log shows it, filtered by event.
    await alice.goto(`${suite.server.url}/#/settings/audit`);
    await alice.getByLabel('Event').selectOption('sessions_ended_by_admin');
    await alice.getByRole('button', { name: 'Show', exact: true }).click();
    await expect.poll(() => alice.getByTestId('audit-row').count(), { timeout: 20_000 }).toBe(1);
    expect(await alice.getByTestId('audit-row').textContent()).toContain('"endedSessions":1');
    await alice.getByLabel('Event').selectOption('instance_role_changed');
    await alice.getByRole('button', { name: 'Show', exact: true }).click();
    await expect.poll(() => alice.getByTestId('audit-row').count(), { timeout: 20_000 }).toBe(2);
    expect(await seriousViolations(alice)).toEqual([]);
  }, 180_000);
});

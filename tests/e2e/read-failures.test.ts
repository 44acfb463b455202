/**
 * A list that cannot be read says so where it would be, with a button to read it again, and
 * throws nothing (client/src/api/readable.ts). Before, a failed read of the roles, invites,
 * reports, webhooks, emoji, sessions or users left an uncaught error behind and the dialog half
 * drawn. Here the roles dialog and Settings → Sessions have their reads cut off in the browser,
 * show the failure, and show the list after "Try again" once the server answers again.
 */
import { describe, expect, it } from 'vitest';
import { browserSuite, ownerWithCommunity, seriousViolations } from './helpers';

const suite = browserSuite();

describe('read failures', () => {
  it('the roles dialog and the sessions list show a failed read with a retry, and throw nothing', async () => {
    const alice = await suite.pages.newPage();
    await ownerWithCommunity(suite, alice, 'alice', 'Failures');

    // The roles read fails as a dropped connection does.
    let cut = 0;
    await alice.route('**/api/communities/*/roles', (route) => (cut++, route.abort('failed')));
    await alice.getByText('Community menu').click();
    await alice.getByRole('button', { name: 'Roles' }).click();
    const roles = alice.getByRole('dialog', { name: 'Roles' });
    const failed = roles.getByRole('alert').filter({ hasText: 'Could not load this' });
    await expect.poll(() => failed.count(), { timeout: 20_000 }).toBe(1);
    expect(cut).toBeGreaterThan(0);
    // The rest of the dialog is there and works.
    expect(await roles.getByLabel('Role name').count()).toBe(1);
    expect(await seriousViolations(alice)).toEqual([]);
    await alice.unroute('**/api/communities/*/roles');
    await failed.getByRole('button', { name: 'Try again' }).click();
    await expect.poll(() => failed.count(), { timeout: 20_000 }).toBe(0);
    await expect.poll(() => roles.getByText('No custom roles yet.').count(), { timeout: 20_000 }).toBe(1);
    await roles.getByRole('button', { name: 'Close' }).click();

    // Settings → Sessions, the same way.
    await alice.route('**/api/me/sessions', (route) => route.abort('failed'));
    await alice.goto(`${suite.server.url}/#/settings/sessions`);
    const sessionsFailed = alice.getByRole('alert').filter({ hasText: 'Could not load this' });
    await expect.poll(() => sessionsFailed.count(), { timeout: 20_000 }).toBe(1);
    await alice.unroute('**/api/me/sessions');
    await sessionsFailed.getByRole('button', { name: 'Try again' }).click();
    await expect.poll(() => alice.getByTestId('sessions').locator('li').count(), { timeout: 20_000 }).toBe(1);
    expect(await sessionsFailed.count()).toBe(0);

    // Only the browser's own line for each request cut off; no uncaught error.
    expect(suite.pages.problems.filter((p) => !/net::ERR_FAILED/.test(p))).toEqual([]);
  });
});

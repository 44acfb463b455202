/**
 * Issue #16 items 1–2 from the member list and the community menu, in the browser: Alice, the
 * owner, sets the community's automatic timeout after warnings and warns Bob from the member
 * list (he sees it); Bob reports Alice as a person and the community as a whole, and both reports
 * reach the instance's queue (Settings → Reports) with his comments and no disclosed message. The
 * server side is tests/moderation/reports.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { browserSuite, communityOfTwo, seriousViolations } from './helpers';

const suite = browserSuite();

describe('warnings and reports from the member list in the browser', () => {
  it('16.1/16.2: automatic timeout setting, a warning from the member list, reporting a person and a community', async () => {
    const alice = await suite.pages.newPage();
    const bob = await suite.pages.newPage();
    const { channelUrl } = await communityOfTwo(suite, alice, bob, 'Civil', ['alice', 'bob']);
    await alice.goto(channelUrl);
    await bob.goto(channelUrl);

    // The automatic timeout: two warnings, ten minutes.
    await alice.getByText('Community menu').click();
    await alice.getByRole('button', { name: 'Reports', exact: true }).click();
    let dialog = alice.getByRole('dialog');
    await dialog.getByLabel('Warnings before a timeout (empty: off)').fill('2');
    await dialog.getByLabel('Timeout, minutes').fill('10');
    await dialog.getByRole('button', { name: 'Save', exact: true }).click();
    await expect.poll(() => dialog.getByText('Saved.').count(), { timeout: 20_000 }).toBe(1);
    expect(await seriousViolations(alice)).toEqual([]);
    await dialog.getByRole('button', { name: 'Close', exact: true }).last().click();
    await alice.getByText('Community menu').click();
    await alice.getByRole('button', { name: 'Reports', exact: true }).click();
    dialog = alice.getByRole('dialog');
    await expect.poll(() => dialog.getByLabel('Warnings before a timeout (empty: off)').inputValue(), { timeout: 20_000 }).toBe('2');
    expect(await dialog.getByLabel('Timeout, minutes').inputValue()).toBe('10');
    await dialog.getByRole('button', { name: 'Close', exact: true }).last().click();

    // A warning from the member list; Bob sees it, with its reason.
    await alice.getByRole('button', { name: 'Warn bob…' }).click();
    dialog = alice.getByRole('dialog');
    await dialog.getByLabel('Reason (they will see it)').fill('Keep it civil, please');
    await dialog.getByRole('button', { name: 'Send warning' }).click();
    await expect.poll(() => dialog.getByText('bob was warned.').count(), { timeout: 20_000 }).toBe(1);
    await dialog.getByRole('button', { name: 'Close', exact: true }).last().click();
    const warning = bob.getByTestId('warning');
    await expect.poll(() => warning.count(), { timeout: 30_000 }).toBe(1);
    expect(await warning.textContent()).toContain('Keep it civil, please');
    // Bob, a member, cannot warn or purge anyone.
    expect(await bob.getByRole('button', { name: 'Warn alice…' }).count()).toBe(0);

    // Bob reports Alice as a person, and the community as a whole.
    await bob.getByRole('button', { name: 'Report alice…' }).click();
    dialog = bob.getByRole('dialog');
    await dialog.getByLabel('Reason').selectOption({ label: 'Harassment or bullying' });
    await dialog.getByLabel('Comment (optional)').fill('she keeps warning me for nothing');
    expect(await seriousViolations(bob)).toEqual([]);
    await dialog.getByRole('button', { name: 'Send report' }).click();
    await expect.poll(() => dialog.getByText('Thank you. The instance’s admins will review it.').count(), { timeout: 20_000 }).toBe(1);
    await dialog.getByRole('button', { name: 'Close', exact: true }).last().click();
    await bob.getByText('Community menu').click();
    await bob.getByRole('button', { name: 'Report community…' }).click();
    dialog = bob.getByRole('dialog');
    await dialog.getByLabel('Reason').selectOption({ label: 'Something else' });
    await dialog.getByLabel('Comment (optional)').fill('this whole community is a scam');
    await dialog.getByRole('button', { name: 'Send report' }).click();
    await expect.poll(() => dialog.getByText('Thank you. The instance’s admins will review it.').count(), { timeout: 20_000 }).toBe(1);

    // Both reach the instance's queue, with no message disclosed.
    await alice.goto(`${suite.server.url}/#/settings/reports`);
    const person = alice.getByTestId('report').filter({ hasText: 'she keeps warning me for nothing' });
    const whole = alice.getByTestId('report').filter({ hasText: 'this whole community is a scam' });
    await expect.poll(() => person.count(), { timeout: 20_000 }).toBe(1);
    expect(await person.textContent()).toContain('about alice');
    expect(await person.getByTestId('reported-text').count()).toBe(0);
    await expect.poll(() => whole.count(), { timeout: 20_000 }).toBe(1);
    expect(await whole.textContent()).toContain('reported by bob');
    expect(await seriousViolations(alice)).toEqual([]);
    await whole.getByRole('button', { name: 'Dismiss' }).click();
    await expect.poll(() => whole.count(), { timeout: 20_000 }).toBe(0);
  }, 180_000);
});

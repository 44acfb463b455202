/**
 * Issue #16 items 1–2 in the browser. Alice owns the instance and the community; Bob is a member.
 * - In #general Alice reports Bob's message; in the community's Reports (its menu) she sees the
 *   text her device disclosed, marked as verified by franking, and warns Bob, who sees the warning
 *   with its reason and acknowledges it.
 * - In their DM she reports another message; the report goes to the instance's queue, Settings →
 *   Reports (the admin panel), where she deletes the message; Bob's screen shows it deleted.
 * The server side (fabricated reports, the authorization matrix, escalation, automatic timeouts)
 * is in tests/moderation/reports.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { browserSuite, communityOfTwo, messageWith, openDmFrom, send, seriousViolations, startDm } from './helpers';

const suite = browserSuite();

async function report(page: Page, text: string, reason: string): Promise<void> {
  const row = messageWith(page, text);
  await row.hover();
  await row.getByRole('button', { name: 'Report message' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Reason').selectOption({ label: reason });
  await dialog.getByLabel('Comment (optional)').fill('please look');
  expect(await seriousViolations(page)).toEqual([]);
  await dialog.getByRole('button', { name: 'Send report' }).click();
  await expect.poll(() => page.getByTestId('report-sent').count(), { timeout: 20_000 }).toBe(1);
  await dialog.getByRole('button', { name: 'Close', exact: true }).last().click();
}

describe('reports and warnings in the browser', () => {
  it('16.1/16.2: report a message, review it as verified, warn the sender who sees it; report a DM message and delete it from the admin panel', async () => {
    const alice = await suite.pages.newPage();
    const bob = await suite.pages.newPage();
    const { channelUrl } = await communityOfTwo(suite, alice, bob, 'Moderated', ['alice', 'bob']);
    await bob.goto(channelUrl);
    await send(bob, 'you are all clowns');
    await expect.poll(() => messageWith(alice, 'you are all clowns').count(), { timeout: 30_000 }).toBe(1);
    await report(alice, 'you are all clowns', 'Harassment or bullying');

    // The community's queue, from its menu.
    await alice.getByText('Community menu').click();
    await alice.getByRole('button', { name: 'Reports', exact: true }).click();
    const card = alice.getByTestId('report').filter({ hasText: 'you are all clowns' });
    await expect.poll(() => card.count(), { timeout: 20_000 }).toBe(1);
    expect(await card.getByTestId('verdict').getAttribute('data-verdict')).toBe('verified');
    expect(await card.textContent()).toContain('Harassment or bullying');
    expect(await seriousViolations(alice)).toEqual([]);
    await card.getByLabel(/Note/).fill('Be kind to people here');
    await card.getByRole('button', { name: 'Warn', exact: true }).click();
    await expect.poll(() => card.count(), { timeout: 20_000 }).toBe(0);
    await alice.getByRole('button', { name: 'Resolved', exact: true }).click();
    await expect.poll(() => alice.getByTestId('report').filter({ hasText: 'you are all clowns' }).textContent(), { timeout: 20_000 }).toContain('Resolved: Warn');
    await alice.getByRole('dialog').getByRole('button', { name: 'Close', exact: true }).click();

    // Bob is told, live, with the reason; acknowledged, it goes away.
    const warning = bob.getByTestId('warning');
    await expect.poll(() => warning.count(), { timeout: 30_000 }).toBe(1);
    expect(await warning.textContent()).toContain('The moderators of Moderated warned you: Be kind to people here');
    expect(await seriousViolations(bob)).toEqual([]);
    await warning.getByRole('button', { name: 'I understand' }).click();
    await expect.poll(() => warning.count()).toBe(0);

    // A DM's message goes to the instance's admins: Settings → Reports.
    await startDm(bob, 'alice');
    await send(bob, 'buy my pills');
    await openDmFrom(alice, 'bob');
    await expect.poll(() => messageWith(alice, 'buy my pills').count(), { timeout: 30_000 }).toBe(1);
    const dmUrl = alice.url();
    await report(alice, 'buy my pills', 'Spam');
    await alice.goto(`${suite.server.url}/#/settings/reports`);
    const dmCard = alice.getByTestId('report').filter({ hasText: 'buy my pills' });
    await expect.poll(() => dmCard.count(), { timeout: 20_000 }).toBe(1);
    expect(await dmCard.getByTestId('verdict').getAttribute('data-verdict')).toBe('verified');
    expect(await seriousViolations(alice)).toEqual([]);
    await dmCard.getByRole('button', { name: 'Delete message' }).click();
    await expect.poll(() => dmCard.count(), { timeout: 20_000 }).toBe(0);
    await expect.poll(() => messageWith(bob, 'buy my pills').count(), { timeout: 30_000 }).toBe(0);
    await alice.goto(dmUrl);
    await expect.poll(() => messageWith(alice, 'buy my pills').count(), { timeout: 30_000 }).toBe(0);
    // Only the instance's owner and admins have the Reports section.
    await bob.goto(`${suite.server.url}/#/settings/reports`);
    await expect.poll(() => bob.getByRole('heading', { name: 'Profile' }).count(), { timeout: 20_000 }).toBeGreaterThan(0);
    expect(await bob.getByRole('link', { name: 'Reports', exact: true }).count()).toBe(0);
  }, 240_000);
});

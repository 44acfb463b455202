/**
 * Issue #16 items 5–7 in the browser. Registration cannot go on until the terms and privacy
 * policy are accepted (the links open them); the owner names the instance (the sign-in page and
 * the title show it), publishes new terms that Bob must accept again before his conversations
 * open, and suspends Bob, who is signed out and told why when he signs in. The server side is
 * tests/moderation/legal.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { browserSuite, PASSWORD, register, seriousViolations } from './helpers';

const suite = browserSuite();

describe('terms, the instance’s name and suspension in the browser', () => {
  it('16.7/16.6/16.5: accept the terms at registration, accept changed terms, name the instance, suspend an account', async () => {
    const alice = await suite.pages.newPage();
    await alice.goto(suite.server.url);
    await register(alice, 'alice', suite.pages.problems);

    // Bob's registration: the form is not sent until the terms are accepted.
    const bob = await suite.pages.newPage();
    await bob.goto(`${suite.server.url}/#/register`);
    await bob.getByLabel('Username', { exact: true }).fill('bob');
    await bob.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await bob.getByLabel('Repeat password').fill(PASSWORD);
    const accept = bob.getByRole('checkbox', { name: 'I accept the terms of service and the privacy policy' });
    await bob.getByRole('button', { name: 'Create account' }).click();
    expect(await accept.evaluate((el) => (el as HTMLInputElement).validity.valueMissing)).toBe(true);
    expect(await bob.getByTestId('recovery-code').count()).toBe(0);
    expect(await seriousViolations(bob)).toEqual([]);
    // The links open the texts (in a new tab, so the form keeps what was typed).
    const [terms] = await Promise.all([bob.context().waitForEvent('page'), bob.getByRole('link', { name: 'terms of service' }).click()]);
    await expect.poll(() => terms.getByRole('heading', { level: 1 }).textContent(), { timeout: 20_000 }).toBe('Terms of service');
    await terms.getByRole('link', { name: 'Privacy policy' }).click();
    await expect.poll(() => terms.getByRole('heading', { level: 1 }).textContent(), { timeout: 20_000 }).toBe('Privacy policy');
    expect(await terms.getByRole('heading', { name: 'What the server cannot read' }).count()).toBe(1);
    expect(await seriousViolations(terms)).toEqual([]);
    await terms.close();
    await accept.check();
    await bob.getByRole('button', { name: 'Create account' }).click();
    await expect.poll(() => bob.getByTestId('recovery-code').count(), { timeout: 20_000 }).toBe(1);
    await bob.getByRole('checkbox', { name: 'I saved my recovery code' }).check();
    await bob.getByRole('button', { name: 'Continue' }).click();
    await expect.poll(() => bob.getByRole('heading', { name: /Welcome/ }).count(), { timeout: 20_000 }).toBe(1);

    // Alice names the instance and publishes new terms everyone must accept again.
    await alice.goto(`${suite.server.url}/#/settings/instance`);
    await alice.getByLabel('Instance name').fill('Example club');
    await alice.getByRole('button', { name: 'Save name' }).click();
    await expect.poll(() => alice.title(), { timeout: 20_000 }).toBe('Example club');
    await alice.getByLabel('Terms of service (Markdown)').fill('# Terms of the Example club\n\n1. Be kind.\n2. No spam.');
    await alice.getByRole('checkbox', { name: 'Ask everyone to accept them again' }).check();
    await alice.getByRole('button', { name: 'Publish', exact: true }).click();
    await expect.poll(() => alice.getByText('Published (version 2).').count(), { timeout: 20_000 }).toBe(1);
    expect(await seriousViolations(alice)).toEqual([]);
    // Alice herself is asked too the next time the app loads.
    await alice.reload();
    await expect.poll(() => alice.getByRole('heading', { name: 'The terms have changed' }).count(), { timeout: 20_000 }).toBe(1);
    await alice.getByRole('button', { name: 'I accept' }).click();
    await expect.poll(() => alice.getByRole('heading', { name: 'The terms have changed' }).count(), { timeout: 20_000 }).toBe(0);

    await bob.reload();
    await expect.poll(() => bob.getByRole('heading', { name: 'The terms have changed' }).count(), { timeout: 20_000 }).toBe(1);
    expect(await seriousViolations(bob)).toEqual([]);
    const [changed] = await Promise.all([bob.context().waitForEvent('page'), bob.getByRole('link', { name: 'terms of service' }).click()]);
    await expect.poll(() => changed.getByRole('heading', { level: 1 }).textContent(), { timeout: 20_000 }).toBe('Terms of the Example club');
    expect(await changed.getByRole('listitem').allTextContents()).toEqual(['Be kind.', 'No spam.']);
    await changed.close();
    await bob.getByRole('button', { name: 'I accept' }).click();
    await expect.poll(() => bob.getByRole('heading', { name: /Welcome/ }).count(), { timeout: 20_000 }).toBe(1);

    // Alice suspends Bob: his app is signed out, and signing in tells him why.
    await alice.goto(`${suite.server.url}/#/settings/users`);
    await alice.getByLabel('Find by username').fill('bob');
    const row = alice.getByTestId('admin-user').filter({ hasText: 'bob' });
    await expect.poll(() => row.count(), { timeout: 20_000 }).toBe(1);
    await row.getByRole('button', { name: 'Suspend…' }).click();
    await row.getByLabel('Reason (they see it when they try to sign in)').fill('spam in #general');
    await row.getByRole('button', { name: 'Suspend bob' }).click();
    await expect.poll(() => alice.getByText('bob is suspended; their sessions ended.').count(), { timeout: 20_000 }).toBe(1);
    await expect.poll(() => row.textContent(), { timeout: 20_000 }).toContain('Suspended: spam in #general');
    expect(await seriousViolations(alice)).toEqual([]);

    await bob.reload();
    await expect.poll(() => bob.getByRole('heading', { level: 1 }).textContent(), { timeout: 30_000 }).toBe('Sign in');
    // The sign-in page carries the instance's name.
    expect(await bob.locator('.brand').textContent()).toBe('Example club');
    await bob.getByLabel('Username').fill('bob');
    await bob.getByLabel('Password').fill(PASSWORD);
    await bob.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => bob.getByRole('alert').allTextContents(), { timeout: 20_000 }).toContainEqual(expect.stringContaining('spam in #general'));

    // Lifted, Bob signs in again.
    await row.getByRole('button', { name: 'Lift suspension' }).click();
    await expect.poll(() => row.getByRole('button', { name: 'Suspend…' }).count(), { timeout: 20_000 }).toBe(1);
    await bob.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => bob.getByRole('heading', { name: /Welcome/ }).count(), { timeout: 30_000 }).toBe(1);
  }, 180_000);
});

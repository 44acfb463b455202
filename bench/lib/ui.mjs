/** What the browser benches do through the web client's screens, as a person would. */

export const PASSWORD = 'correct horse battery staple 42';

/** Polls `fn` until it resolves truthy; throws after `timeoutMs` naming `what`. */
export async function until(fn, timeoutMs = 60_000, what = 'condition') {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await fn().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Fills the registration (or first-run setup) form and confirms the recovery code. */
export async function register(page, username) {
  await page.getByLabel('Username', { exact: true }).fill(username);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByLabel('Repeat password').fill(PASSWORD);
  // Shown since the legal pages (issue #16): registering accepts the terms and the privacy policy.
  const terms = page.getByRole('checkbox', { name: 'I accept the terms of service and the privacy policy' });
  if ((await terms.count()) > 0) await terms.check();
  await page.getByRole('button', { name: /Create (owner )?account/ }).click();
  await page.getByLabel('I saved my recovery code').check({ timeout: 20_000 });
  await page.getByRole('button', { name: 'Continue' }).click();
}

/**
 * The owner's first minutes, as the browser benches need them: register on `serverUrl`, create a
 * community named `name`, make an invite link. Returns the link and the channel's address.
 */
export async function ownerWithInvite(page, serverUrl, name) {
  await page.goto(serverUrl);
  await register(page, 'alice');
  await page.getByRole('button', { name: 'Create a community' }).click();
  await page.getByLabel('Community name').fill(name);
  await page.getByRole('dialog').getByRole('button', { name: 'Create' }).click();
  await until(() => page.getByRole('heading', { name: '#general' }).count().then((n) => n === 1), 20_000, 'the channel');
  await page.getByRole('button', { name: 'Invite', exact: true }).click();
  await page.getByRole('button', { name: 'Create invite link' }).click();
  const link = await page.getByTestId('invite-link').inputValue();
  await page.getByRole('dialog').getByRole('button', { name: 'Close' }).click();
  return { link, channelUrl: page.url() };
}

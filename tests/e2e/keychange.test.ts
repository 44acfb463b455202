/**
 * A hostile server swaps a contact's identity key, in Chromium against the real server on
 * PostgreSQL (the test plays the server operator and rewrites the devices table): Alice's client
 * notices that Bob's device key is not the one it pinned, shows the key-change banner over their
 * conversation and the "changed" state on the verify screen, and — because the swapped key is not
 * on the device list Bob's account key signed — marks the device as not approved, so no sender
 * key is encrypted to it (SECURITY-TESTS P8, P12 through the app).
 */
import postgres from 'postgres';
import { describe, expect, inject, it } from 'vitest';
import { createDatabase } from '../setup/postgres';
import { browserSuite, messageWith, openDmFrom, register, registerAnother, send, startDm } from './helpers';

let databaseUrl: string;
const suite = browserSuite(async () => {
  databaseUrl = await createDatabase(inject('postgresUrl'));
  return { DATABASE_URL: databaseUrl };
});

describe('key change', () => {
  it('P8/P12: a swapped identity key shows the banner and the changed state, and the device is not approved', async () => {
    const { server, pages } = suite;
    const alice = await pages.newPage();
    await alice.goto(server.url);
    await register(alice, 'alice', pages.problems);
    const bob = await pages.newPage();
    await registerAnother(bob, server.url, 'bob', pages.problems);

    // A DM both have used: Alice pinned Bob's device key on first use.
    await startDm(bob, 'alice');
    await send(bob, 'Hello before the swap');
    await openDmFrom(alice, 'bob');
    await expect.poll(() => messageWith(alice, 'Hello before the swap').count(), { timeout: 20_000 }).toBe(1);
    await send(alice, 'Hello back');
    await expect.poll(() => messageWith(bob, 'Hello back').count(), { timeout: 20_000 }).toBe(1);
    expect(await alice.getByTestId('key-change-banner').count()).toBe(0);

    // The operator rewrites Bob's device key (one bit of its agreement key).
    const sql = postgres(databaseUrl, { max: 1, onnotice: () => undefined });
    try {
      const [row] = await sql<{ id: string; identity_key: string }[]>`SELECT d.id, d.identity_key FROM devices d JOIN users u ON u.id = d.user_id WHERE u.username = 'bob'`;
      const bytes = Buffer.from(row!.identity_key, 'base64url');
      bytes[bytes.length - 1]! ^= 1;
      await sql`UPDATE devices SET identity_key = ${bytes.toString('base64url')} WHERE id = ${row!.id}`;
    } finally {
      await sql.end();
    }

    // Alice looks at Bob's safety number: the key is not the pinned one.
    const members = alice.getByRole('button', { name: /Members/ });
    if ((await members.getAttribute('aria-expanded')) !== 'true') await members.click();
    await alice.locator('#member-panel').getByRole('link', { name: /^bob/ }).click();
    await expect.poll(() => alice.locator('.verify-device').getAttribute('data-state'), { timeout: 20_000 }).toBe('changed');
    expect(await alice.getByTestId('not-listed').count()).toBe(1);
    await alice.goBack();
    await expect.poll(() => alice.getByTestId('key-change-banner').textContent(), { timeout: 20_000 }).toMatch(/bob's security key changed/);
  });
});

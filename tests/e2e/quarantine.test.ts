/**
 * Issue #16 item 5, in the browser: the instance's owner quarantines Bob (through the admin API;
 * the admin panel is still to come). Bob's next message is refused by the room, his screen then
 * says his account is quarantined and why, and his composer is off; Alice never receives the
 * message. Lifted, Bob's app lets him write again after a reload. The server side (DMs, uploads,
 * invites, sockets already open) is tested in tests/auth/quarantine.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { browserSuite, communityOfTwo, messageWith, PASSWORD, send, seriousViolations } from './helpers';

const suite = browserSuite();

/** The owner's API, with a fresh session of their own (as an admin tool would have). */
async function asOwner(username: string) {
  const login = await fetch(`${suite.server.url}/api/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username, password: PASSWORD }) });
  const { accessToken } = (await login.json()) as { accessToken: string };
  return async (method: string, path: string, body?: unknown) => {
    const r = await fetch(`${suite.server.url}${path}`, { method, headers: { Authorization: `Bearer ${accessToken}`, ...(body ? { 'Content-Type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });
    return { status: r.status, body: r.status === 204 ? null : ((await r.json()) as Record<string, unknown>) };
  };
}

describe('quarantine in the browser', () => {
  it('16.5: a quarantined member sees why and cannot send; lifted, they can again', async () => {
    const alice = await suite.pages.newPage();
    const bob = await suite.pages.newPage();
    const { channelUrl } = await communityOfTwo(suite, alice, bob, 'Quarantine', ['alice', 'bob']);
    await bob.goto(channelUrl);
    await send(bob, 'hello before');
    await expect.poll(() => messageWith(alice, 'hello before').count(), { timeout: 30_000 }).toBe(1);

    const owner = await asOwner('alice');
    const communities = (await owner('GET', '/api/communities')).body!.communities as { id: string }[];
    const members = (await owner('GET', `/api/communities/${communities[0]!.id}/members`)).body!.members as { userId: string; username: string }[];
    const bobId = members.find((m) => m.username === 'bob')!.userId;
    expect((await owner('POST', `/api/admin/users/${bobId}/quarantine`, { reason: 'Spamming links' })).status).toBe(200);

    await send(bob, 'sent while quarantined');
    const banner = bob.getByTestId('quarantined');
    await expect.poll(() => banner.count(), { timeout: 30_000 }).toBe(1);
    expect(await banner.textContent()).toContain('Their reason: Spamming links');
    await expect.poll(() => bob.locator('#composer-input').isDisabled()).toBe(true);
    expect(await seriousViolations(bob)).toEqual([]);
    expect(await messageWith(alice, 'sent while quarantined').count()).toBe(0);

    expect((await owner('DELETE', `/api/admin/users/${bobId}/quarantine`)).status).toBe(204);
    await bob.reload();
    await expect.poll(() => bob.locator('#composer-input').isEnabled(), { timeout: 30_000 }).toBe(true);
    expect(await banner.count()).toBe(0);
    await send(bob, 'hello after');
    await expect.poll(() => messageWith(alice, 'hello after').count(), { timeout: 30_000 }).toBe(1);
  }, 180_000);
});

/**
 * A person's status ("In a meeting"): set and cleared in their profile, cleaned like a name, shown
 * beside their name wherever the server lists them (community and channel members, a DM's people,
 * a lookup by username), never set by anyone else, and not set by a quarantined account (which
 * may still clear it). Like a display name it is not end-to-end encrypted (SECURITY.md).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_STATUS_CHARS } from '../../protocol/auth';
import type { TestUser } from '../helpers/accounts';
import type { RunningServer } from '../helpers/server';
import { api, community, join, setup } from './fixture';

let server: RunningServer;
let owner: TestUser;
let u: Record<'ann' | 'ben', TestUser>;

beforeAll(async () => {
  ({ server, operator: owner, users: u } = await setup(['ann', 'ben'] as const));
});
afterAll(async () => {
  await server?.kill();
});

describe('status', () => {
  it('is set, cleaned and cleared by its owner, and listed beside their name', async () => {
    const c = await community(server, owner);
    await join(server, owner, c.id, [u.ann, u.ben]);
    const set = await api(server, u.ann, 'PATCH', '/api/me', { statusText: '  In a meeting \u202euntil 3\u200b ' });
    expect(set.status).toBe(200);
    expect(set.body.statusText).toBe('In a meeting until 3');
    expect((await api(server, u.ann, 'GET', '/api/me')).body.statusText).toBe('In a meeting until 3');

    const inCommunity = (await api(server, u.ben, 'GET', `/api/communities/${c.id}/members`)).body.members as { userId: string; statusText: string | null }[];
    expect(inCommunity.find((m) => m.userId === u.ann.id)?.statusText).toBe('In a meeting until 3');
    expect(inCommunity.find((m) => m.userId === u.ben.id)?.statusText).toBeNull();
    const inChannel = (await api(server, u.ben, 'GET', `/api/channels/${c.channelId}/members`)).body.members as { userId: string; statusText: string | null }[];
    expect(inChannel.find((m) => m.userId === u.ann.id)?.statusText).toBe('In a meeting until 3');
    expect((await api(server, u.ben, 'GET', `/api/users/by-name/${u.ann.username}`)).body.statusText).toBe('In a meeting until 3');

    // Cleared by null or by nothing but spaces; a display-name change leaves it alone.
    await api(server, u.ann, 'PATCH', '/api/me', { displayName: 'Ann' });
    expect((await api(server, u.ann, 'GET', '/api/me')).body.statusText).toBe('In a meeting until 3');
    expect((await api(server, u.ann, 'PATCH', '/api/me', { statusText: '   ' })).body.statusText).toBeNull();
    await api(server, u.ann, 'PATCH', '/api/me', { statusText: 'back' });
    expect((await api(server, u.ann, 'PATCH', '/api/me', { statusText: null })).body.statusText).toBeNull();
  });

  it('refuses a status too long, a wrong type, no token; a quarantined account may clear its status, not set one', async () => {
    const long = await api(server, u.ben, 'PATCH', '/api/me', { statusText: 'x'.repeat(MAX_STATUS_CHARS + 1) });
    expect(long.status).toBe(400);
    expect(long.body.error).toMatchObject({ code: 'validation_failed' });
    expect(long.body.error.message).toContain('statusText');
    expect((await api(server, u.ben, 'PATCH', '/api/me', { statusText: 42 })).status).toBe(400);
    expect((await api(server, null, 'PATCH', '/api/me', { statusText: 'hi' })).status).toBe(401);
    expect((await api(server, u.ben, 'GET', '/api/me')).body.statusText).toBeNull();

    expect((await api(server, u.ben, 'PATCH', '/api/me', { statusText: 'selling cheap pills' })).status).toBe(200);
    expect((await api(server, owner, 'POST', `/api/admin/users/${u.ben.id}/quarantine`, { reason: 'spam' })).status).toBeLessThan(300);
    const refused = await api(server, u.ben, 'PATCH', '/api/me', { statusText: 'more pills' });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('quarantined');
    expect((await api(server, u.ben, 'GET', '/api/me')).body.statusText).toBe('selling cheap pills');
    expect((await api(server, u.ben, 'PATCH', '/api/me', { statusText: null })).body.statusText).toBeNull();
  });
});

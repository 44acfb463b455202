/**
 * Issue #16 item 6 on the real server: announcements. The owner posts instance-wide banners;
 * every signed-in user lists those that have not ended and that they have not dismissed;
 * dismissing holds for all their devices; removing one removes it for everyone. Only owners and
 * admins post or remove (the 403 matrix is tests/auth/tokens.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../helpers/server';
import { api, setup, type TestUser } from '../communities/fixture';

let server: RunningServer;
let owner: TestUser;
let u: Record<'ann' | 'ben', TestUser>;

beforeAll(async () => {
  ({ server, operator: owner, users: u } = await setup(['ann', 'ben'] as const));
});
afterAll(async () => {
  await server?.kill();
});

describe('announcements (issue #16 item 6)', () => {
  it('16.6: posted by the owner, listed to everyone until dismissed (per user) or ended; removed for all; members cannot post', async () => {
    expect((await api(server, u.ann, 'POST', '/api/admin/announcements', { text: 'I am the admin now' })).status).toBe(403);
    expect((await api(server, owner, 'POST', '/api/admin/announcements', { text: '' })).body.error.code).toBe('validation_failed');
    expect((await api(server, owner, 'POST', '/api/admin/announcements', { text: 'past', endsAt: Date.now() - 1000 })).body.error.code).toBe('validation_failed');
    expect((await api(server, owner, 'POST', '/api/admin/announcements', { text: 'x', severity: 'apocalyptic' })).body.error.code).toBe('validation_failed');
    const maintenance = await api(server, owner, 'POST', '/api/admin/announcements', { text: 'Maintenance tonight at 22:00', severity: 'warning' });
    expect(maintenance.status).toBe(201);
    const short = await api(server, owner, 'POST', '/api/admin/announcements', { text: 'Ends soon', endsAt: Date.now() + 1500 });
    const listed = await api(server, u.ann, 'GET', '/api/announcements');
    expect(listed.body.announcements.map((a: { text: string }) => a.text)).toEqual(['Ends soon', 'Maintenance tonight at 22:00']);
    expect(listed.body.announcements[1]).toMatchObject({ severity: 'warning', endsAt: null });
    expect(listed.body.announcements[1].createdBy).toBeUndefined();

    expect((await api(server, u.ann, 'POST', `/api/announcements/${maintenance.body.announcement.id}/dismiss`)).status).toBe(204);
    expect((await api(server, u.ann, 'POST', '/api/announcements/x0000000000000000000000/dismiss')).status).toBe(404);
    expect((await api(server, u.ann, 'GET', '/api/announcements')).body.announcements.map((a: { id: string }) => a.id)).not.toContain(maintenance.body.announcement.id);
    expect((await api(server, u.ben, 'GET', '/api/announcements')).body.announcements.map((a: { id: string }) => a.id)).toContain(maintenance.body.announcement.id);

    // An ended one is no longer listed (admins still see it).
    await expect.poll(async () => (await api(server, u.ben, 'GET', '/api/announcements')).body.announcements.map((a: { id: string }) => a.id), { timeout: 10_000 }).not.toContain(short.body.announcement.id);
    expect((await api(server, owner, 'GET', '/api/admin/announcements')).body.announcements.map((a: { id: string }) => a.id)).toContain(short.body.announcement.id);

    expect((await api(server, u.ben, 'DELETE', `/api/admin/announcements/${maintenance.body.announcement.id}`)).status).toBe(403);
    expect((await api(server, owner, 'DELETE', `/api/admin/announcements/${maintenance.body.announcement.id}`)).status).toBe(204);
    expect((await api(server, u.ben, 'GET', '/api/announcements')).body.announcements).toEqual([]);
    const audit = await api(server, owner, 'GET', '/api/admin/audit?event=announcement_posted&limit=5');
    expect(audit.body.events.length).toBe(2);
  });
});

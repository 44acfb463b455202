/**
 * Issue #16 item 6 on the real server: the registration mode switched at runtime (overriding
 * REGISTRATION_MODE, audited), and feedback: users send it, at most 10 open each; admins list and
 * close it. The 401/403 matrix for these routes is tests/auth/tokens.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../helpers/server';
import { api, setup, uname, type TestUser } from '../communities/fixture';

let server: RunningServer;
let owner: TestUser;
let u: Record<'fay', TestUser>;

beforeAll(async () => {
  ({ server, operator: owner, users: u } = await setup(['fay'] as const));
});
afterAll(async () => {
  await server?.kill();
});

const registerNew = () => api(server, null, 'POST', '/api/auth/register', { acceptTerms: 1, username: uname('newbie'), password: 'correct horse battery staple 9', recoveryVerifier: 'A'.repeat(43) });

describe('instance settings and feedback (issue #16 item 6)', () => {
  it('16.6: the registration mode switches at runtime, overriding the environment; audited', async () => {
    expect((await api(server, null, 'GET', '/api/auth/config')).body.registrationMode).toBe('open');
    expect((await api(server, owner, 'GET', '/api/admin/settings')).body).toEqual({ registrationMode: 'open', name: 'Chatalot', iconId: null });
    expect((await registerNew()).status).toBe(201);
    expect((await api(server, owner, 'PUT', '/api/admin/settings', { registrationMode: 'anything' })).body.error.code).toBe('validation_failed');
    expect((await api(server, owner, 'PUT', '/api/admin/settings', { registrationMode: 'closed' })).status).toBe(200);
    expect((await api(server, null, 'GET', '/api/auth/config')).body.registrationMode).toBe('closed');
    expect((await registerNew()).status).toBe(403);
    expect((await api(server, owner, 'PUT', '/api/admin/settings', { registrationMode: 'open' })).status).toBe(200);
    expect((await registerNew()).status).toBe(201);
    const audit = await api(server, owner, 'GET', '/api/admin/audit?event=registration_mode_changed&limit=5');
    expect(audit.body.events.map((e: { detail: { to: string } }) => e.detail.to)).toEqual(['open', 'closed']);
  });

  it('16.6: feedback goes to the admins, at most 10 open per account; admins close it', async () => {
    expect((await api(server, u.fay, 'POST', '/api/feedback', { kind: 'praise', text: 'x' })).body.error.code).toBe('validation_failed');
    const first = await api(server, u.fay, 'POST', '/api/feedback', { kind: 'bug', text: 'The emoji picker closes too early' });
    expect(first.status).toBe(201);
    for (let i = 1; i < 10; i++) expect((await api(server, u.fay, 'POST', '/api/feedback', { kind: 'feedback', text: `idea ${i}` })).status).toBe(201);
    expect((await api(server, u.fay, 'POST', '/api/feedback', { kind: 'feedback', text: 'one too many' })).body.error.code).toBe('quota_exceeded');
    const open = await api(server, owner, 'GET', '/api/admin/feedback');
    expect(open.body.feedback).toHaveLength(10);
    expect(open.body.feedback.find((f: { id: string }) => f.id === first.body.id)).toMatchObject({ kind: 'bug', text: 'The emoji picker closes too early', username: u.fay.username, status: 'open' });
    expect((await api(server, owner, 'POST', `/api/admin/feedback/${first.body.id}/close`)).status).toBe(204);
    expect((await api(server, owner, 'POST', `/api/admin/feedback/${first.body.id}/close`)).status).toBe(404);
    expect((await api(server, owner, 'GET', '/api/admin/feedback?status=closed')).body.feedback.map((f: { id: string }) => f.id)).toEqual([first.body.id]);
    expect((await api(server, u.fay, 'POST', '/api/feedback', { kind: 'feedback', text: 'room again' })).status).toBe(201);
  });
});

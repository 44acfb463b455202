/**
 * Live lists (issue 12 item 5): the hub's `changed` frame reaches the devices of everyone whose
 * lists a change touches — community members on a join, a kick (the kicked one too), a ban, a
 * role or channel change; both sides of a new DM or request — and not the sender of a request
 * that was declined (SECURITY-TESTS: a decline is never revealed), nor people outside.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerUser, type TestUser } from '../helpers/accounts';
import { startServer, type RunningServer } from '../helpers/server';
import type { TestSocket } from '../helpers/socket';
import type { HubServerFrame } from '../../protocol/hub';
import { api, community, join, uname } from '../communities/fixture';
import { addDevice, hubFrames, nextHub, openHub, settle } from './helpers';

let server: RunningServer;
const u = {} as Record<'owner' | 'member' | 'joiner' | 'outsider' | 'asker', TestUser>;
const hub = {} as Record<keyof typeof u, TestSocket>;

beforeAll(async () => {
  server = await startServer({ env: { REGISTRATION_MODE: 'open' } });
  for (const n of ['owner', 'member', 'joiner', 'outsider', 'asker'] as const) {
    u[n] = await registerUser(server, uname(n));
    hub[n] = await openHub(server, u[n], await addDevice(server, u[n]));
  }
});
afterAll(async () => {
  for (const s of Object.values(hub)) s?.close();
  await server?.kill();
});

const changedFor = (s: TestSocket, id: string) => nextHub(s, 'changed', (f) => f.scope === 'community' && f.id === id, 10_000);
const countChanged = (s: TestSocket, id: string) => hubFrames(s).filter((f) => f.type === 'changed' && f.scope === 'community' && f.id === id).length;

describe('hub: lists change live', () => {
  it('12.5: a join, a role change, a new channel and a kick reach every member (and the kicked), not outsiders', async () => {
    const c = await community(server, u.owner);
    await join(server, u.owner, c.id, [u.member]);
    await Promise.all([changedFor(hub.owner, c.id), changedFor(hub.member, c.id)]);

    const before = { owner: countChanged(hub.owner, c.id), member: countChanged(hub.member, c.id) };
    await join(server, u.owner, c.id, [u.joiner]);
    await expect.poll(() => countChanged(hub.owner, c.id), { timeout: 10_000 }).toBeGreaterThan(before.owner);
    await expect.poll(() => countChanged(hub.member, c.id), { timeout: 10_000 }).toBeGreaterThan(before.member);

    const ch = await api(server, u.owner, 'POST', `/api/communities/${c.id}/channels`, { name: 'random', kind: 'text' });
    expect(ch.status).toBe(201);
    const n = countChanged(hub.joiner, c.id);
    expect((await api(server, u.owner, 'PATCH', `/api/communities/${c.id}/members/${u.member.id}`, { role: 'moderator' })).status).toBe(200);
    await expect.poll(() => countChanged(hub.joiner, c.id), { timeout: 10_000 }).toBeGreaterThanOrEqual(n + 1);

    const k = countChanged(hub.joiner, c.id);
    expect((await api(server, u.owner, 'DELETE', `/api/communities/${c.id}/members/${u.joiner.id}`)).status).toBe(204);
    await expect.poll(() => countChanged(hub.joiner, c.id), { timeout: 10_000 }).toBeGreaterThan(k);

    await settle(hub.outsider);
    expect(countChanged(hub.outsider, c.id)).toBe(0);
    // Reads change nothing: no frame for a GET.
    const m = countChanged(hub.member, c.id);
    expect((await api(server, u.member, 'GET', `/api/communities/${c.id}/members`)).status).toBe(200);
    await settle(hub.member);
    expect(countChanged(hub.member, c.id)).toBe(m);
  });

  it('12.5: a new DM request reaches both sides; accepting tells both; a decline is not told to the asker', async () => {
    const dmChanges = (s: TestSocket) => hubFrames(s).filter((f) => f.type === 'changed' && f.scope === 'dms').length;
    const a0 = dmChanges(hub.asker);
    const o0 = dmChanges(hub.outsider);
    const r = await api(server, u.asker, 'POST', '/api/dms', { userIds: [u.outsider.id] });
    expect(r.status).toBe(201);
    expect(r.body.channel.pendingIds).toEqual([u.outsider.id]); // they share no community: a request
    await expect.poll(() => dmChanges(hub.outsider), { timeout: 10_000 }).toBe(o0 + 1);
    await expect.poll(() => dmChanges(hub.asker), { timeout: 10_000 }).toBe(a0 + 1);

    expect((await api(server, u.outsider, 'POST', `/api/dms/${r.body.channel.id}/decline`)).status).toBe(204);
    await expect.poll(() => dmChanges(hub.outsider), { timeout: 10_000 }).toBe(o0 + 2);
    await settle(hub.asker);
    expect(dmChanges(hub.asker)).toBe(a0 + 1);

    expect((await api(server, u.outsider, 'POST', `/api/dms/${r.body.channel.id}/accept`)).status).toBe(200);
    await expect.poll(() => dmChanges(hub.asker), { timeout: 10_000 }).toBe(a0 + 2);
  });

  it("12.5: `ready` says how long ago the user's lists last changed, also for a change made while none of their devices was connected", async () => {
    const readyOf = async (user: TestUser, device: string) => {
      const s = await openHub(server, user, device);
      const f = hubFrames(s).find((x) => x.type === 'ready') as Extract<HubServerFrame, { type: 'ready' }>;
      s.close();
      return f;
    };
    // Never told of a change: null, and a client need not read its lists again.
    const quiet = await registerUser(server, uname('quiet'));
    const quietDevice = await addDevice(server, quiet);
    expect((await readyOf(quiet, quietDevice)).listsChangedAgo).toBeNull();

    // A community the quiet user is in changes while their hub socket is closed.
    const c = await community(server, u.owner);
    const started = Date.now();
    await join(server, u.owner, c.id, [quiet]);
    await expect
      .poll(async () => (await readyOf(quiet, quietDevice)).listsChangedAgo ?? null, { timeout: 10_000 })
      .not.toBeNull();
    const ago = (await readyOf(quiet, quietDevice)).listsChangedAgo!;
    // Bounded by the time this test has taken since the change (measured, not assumed).
    expect(ago).toBeGreaterThanOrEqual(0);
    expect(ago).toBeLessThanOrEqual(Date.now() - started + 1_000);
  });
});

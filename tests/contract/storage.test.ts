/**
 * The storage conformance suite: one set of expectations run against every back end — embedded
 * SQLite in a Durable Object, D1, and a real PostgreSQL server — each inside workerd.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Channel, ChannelGroup, Community, Invite, User } from '../../worker/storage/Storage';
import { BACKENDS, openBackend, type Backend } from './backends';
import { createDatabase } from '../setup/postgres';

let n = 0;
const id = (prefix: string) => `${prefix}_${Date.now().toString(36)}_${(n++).toString(36)}`;

function user(username: string, extra: Partial<User> = {}): User {
  return { id: id('u'), username, displayName: username, email: null, passwordHash: '$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaA', instanceRole: 'user', createdAt: 1_700_000_000_000, ...extra };
}

function invite(extra: Partial<Invite> = {}): Invite {
  return { code: id('inv'), communityId: null, createdBy: 'admin', maxUses: null, uses: 0, expiresAt: null, revokedAt: null, createdAt: 1_700_000_000_000, ...extra };
}

function community(ownerId: string): { community: Community; group: ChannelGroup; channel: Channel } {
  const c = { id: id('c'), name: 'Friends', ownerId, createdAt: 1_700_000_000_000 };
  const g = { id: id('g'), communityId: c.id, name: 'General', position: 0, createdAt: c.createdAt };
  const ch: Channel = { id: id('ch'), communityId: c.id, groupId: g.id, kind: 'text', name: 'general', position: 0, createdAt: c.createdAt, archivedAt: null };
  return { community: c, group: g, channel: ch };
}

describe.each(BACKENDS)('storage conformance: %s', (name) => {
  let b: Backend;
  beforeAll(async () => {
    b = await openBackend(name, await createDatabase(inject('postgresUrl')));
    await b.storage.migrate(Date.now());
  });
  afterAll(async () => b?.dispose());

  it('answers ping and reports its kind', async () => {
    await expect(b.storage.ping()).resolves.toBeNull();
  });

  it('creates and reads users; usernames are unique case-insensitively', async () => {
    const u = user('Alice_1');
    await b.storage.createUser(u);
    expect(await b.storage.getUserById(u.id)).toEqual(u);
    expect(await b.storage.getUserByUsername('alice_1')).toEqual(u);
    await expect(b.storage.createUser(user('ALICE_1'))).rejects.toMatchObject({ code: 'conflict' });
    expect(await b.storage.getUserByUsername('nobody')).toBeNull();
  });

  it('two writers racing for the same username: exactly one wins, the other gets conflict', async () => {
    const results = await Promise.allSettled([b.storage.createUser(user('racer')), b.storage.createUser(user('racer'))]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const lost = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(lost.reason).toMatchObject({ name: 'StorageError', code: 'conflict' });
  });

  it('updates and deletes a user, cascading to devices and memberships', async () => {
    const u = await b.storage.createUser(user('bob'));
    const updated = await b.storage.updateUser(u.id, { displayName: 'Bob B.', email: 'bob@example.org' });
    expect(updated).toMatchObject({ displayName: 'Bob B.', email: 'bob@example.org', username: 'bob' });
    await b.storage.addDevice({ id: id('d'), userId: u.id, name: 'laptop', identityKey: 'pub', createdAt: 1, lastSeenAt: 1 });
    const owner = await b.storage.createUser(user('owner1'));
    const c = community(owner.id);
    await b.storage.createCommunity(c);
    await b.storage.addMember({ communityId: c.community.id, userId: u.id, role: 'member', joinedAt: 2 });
    expect(await b.storage.deleteUser(u.id)).toBe(true);
    expect(await b.storage.getUserById(u.id)).toBeNull();
    expect(await b.storage.listDevices(u.id)).toEqual([]);
    expect(await b.storage.getMember(c.community.id, u.id)).toBeNull();
    await expect(b.storage.updateUser(u.id, { displayName: 'x' })).rejects.toMatchObject({ code: 'not_found' });
  });

  it('counts users', async () => {
    const before = await b.storage.countUsers();
    await b.storage.createUser(user(`count_${n}`));
    expect(await b.storage.countUsers()).toBe(before + 1);
  });

  it('lists and removes devices', async () => {
    const u = await b.storage.createUser(user('dev_owner'));
    const d1 = { id: id('d'), userId: u.id, name: 'phone', identityKey: 'k1', createdAt: 1, lastSeenAt: 1 };
    const d2 = { id: id('d'), userId: u.id, name: 'laptop', identityKey: 'k2', createdAt: 2, lastSeenAt: 2 };
    await b.storage.addDevice(d1);
    await b.storage.addDevice(d2);
    expect(await b.storage.listDevices(u.id)).toEqual([d1, d2]);
    expect(await b.storage.removeDevice(u.id, d1.id)).toBe(true);
    expect(await b.storage.removeDevice('someone-else', d2.id)).toBe(false);
    expect(await b.storage.listDevices(u.id)).toEqual([d2]);
  });

  it('invites: redeem counts uses and refuses used-up, expired, revoked and unknown codes specifically', async () => {
    const once = await b.storage.createInvite(invite({ maxUses: 1 }));
    expect((await b.storage.redeemInvite(once.code, 10)).uses).toBe(1);
    await expect(b.storage.redeemInvite(once.code, 11)).rejects.toMatchObject({ code: 'invite_exhausted' });
    const expired = await b.storage.createInvite(invite({ expiresAt: 100 }));
    await expect(b.storage.redeemInvite(expired.code, 100)).rejects.toMatchObject({ code: 'invite_expired' });
    const revoked = await b.storage.createInvite(invite());
    expect(await b.storage.revokeInvite(revoked.code, 5)).toBe(true);
    expect(await b.storage.revokeInvite(revoked.code, 6)).toBe(false);
    await expect(b.storage.redeemInvite(revoked.code, 7)).rejects.toMatchObject({ code: 'invite_revoked' });
    await expect(b.storage.redeemInvite('no-such-code', 7)).rejects.toMatchObject({ code: 'not_found' });
    const unlimited = await b.storage.createInvite(invite());
    for (let i = 0; i < 3; i++) await b.storage.redeemInvite(unlimited.code, 1);
    expect((await b.storage.getInvite(unlimited.code))?.uses).toBe(3);
    const listed = await b.storage.listInvites(null);
    expect(listed.map((i) => i.code)).toEqual(expect.arrayContaining([once.code, expired.code, revoked.code, unlimited.code]));
  });

  it('Z5: 20 parallel redemptions of a 1-use invite: exactly one succeeds', async () => {
    const one = await b.storage.createInvite(invite({ maxUses: 1 }));
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => b.storage.redeemInvite(one.code, 1)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'invite_exhausted' });
    expect((await b.storage.getInvite(one.code))?.uses).toBe(1);
  });

  it('creates a community atomically with its owner, first group and channel', async () => {
    const owner = await b.storage.createUser(user('community_owner'));
    const c = community(owner.id);
    expect(await b.storage.createCommunity(c)).toEqual(c.community);
    expect(await b.storage.getCommunity(c.community.id)).toEqual(c.community);
    expect(await b.storage.getMember(c.community.id, owner.id)).toMatchObject({ role: 'owner' });
    expect(await b.storage.listChannels(c.community.id)).toEqual([c.channel]);
    expect(await b.storage.listCommunitiesForUser(owner.id)).toEqual([c.community]);
    // A failing step rolls the whole creation back: the same ids again conflict on the first insert
    // and nothing half-made is left for a second owner.
    const clash = community(owner.id);
    clash.channel.id = c.channel.id;
    await expect(b.storage.createCommunity(clash)).rejects.toMatchObject({ code: 'conflict' });
    expect(await b.storage.getCommunity(clash.community.id)).toBeNull();
    expect(await b.storage.listMembers(clash.community.id)).toEqual([]);
  });

  it('channels, members and bans', async () => {
    const owner = await b.storage.createUser(user('chan_owner'));
    const member = await b.storage.createUser(user('chan_member'));
    const c = community(owner.id);
    await b.storage.createCommunity(c);
    const voice: Channel = { ...c.channel, id: id('ch'), kind: 'voice', name: 'voice', position: 1 };
    await b.storage.createChannel(voice);
    expect(await b.storage.getChannel(voice.id)).toEqual(voice);
    expect((await b.storage.listChannels(c.community.id)).map((x) => x.id)).toEqual([c.channel.id, voice.id]);
    await b.storage.addMember({ communityId: c.community.id, userId: member.id, role: 'member', joinedAt: 5 });
    await expect(b.storage.addMember({ communityId: c.community.id, userId: member.id, role: 'member', joinedAt: 6 })).rejects.toMatchObject({ code: 'conflict' });
    expect((await b.storage.listMembers(c.community.id)).map((m) => m.userId).sort()).toEqual([owner.id, member.id].sort());
    await b.storage.banMember({ communityId: c.community.id, userId: member.id, reason: 'spam', bannedBy: owner.id, createdAt: 9, expiresAt: null });
    expect(await b.storage.getMember(c.community.id, member.id)).toBeNull();
    expect(await b.storage.getBan(c.community.id, member.id)).toMatchObject({ reason: 'spam', bannedBy: owner.id });
    expect(await b.storage.removeMember(c.community.id, member.id)).toBe(false);
  });

  it('audit log: filtered, newest first, paged', async () => {
    const uid = id('audit_user');
    for (let i = 0; i < 5; i++) {
      await b.storage.appendAudit({ id: id('a'), event: i % 2 ? 'login_failed' : 'login', userId: uid, ip: '127.0.0.1', userAgent: 'test', detail: '{}', createdAt: 1000 + i });
    }
    const all = await b.storage.listAudit({ userId: uid, limit: 10 });
    expect(all.map((e) => e.createdAt)).toEqual([1004, 1003, 1002, 1001, 1000]);
    expect((await b.storage.listAudit({ userId: uid, event: 'login_failed', limit: 10 })).map((e) => e.createdAt)).toEqual([1003, 1001]);
    expect((await b.storage.listAudit({ userId: uid, before: 1003, limit: 2 })).map((e) => e.createdAt)).toEqual([1002, 1001]);
  });
});

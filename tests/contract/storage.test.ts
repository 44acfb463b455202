/**
 * The storage conformance suite: one set of expectations run against every back end — embedded
 * SQLite in a Durable Object, D1, and a real PostgreSQL server — each inside workerd.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Channel, ChannelGroup, Community, Invite, NewUser, Session } from '../../worker/storage/Storage';
import { BACKENDS, isD1, openBackend, type Backend } from './backends';
import { createDatabase } from '../setup/postgres';

let n = 0;
const id = (prefix: string) => `${prefix}_${Date.now().toString(36)}_${(n++).toString(36)}`;

function user(username: string, extra: Partial<NewUser> = {}): NewUser {
  return { id: id('u'), username, displayName: username, email: null, passwordHash: '$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaA', instanceRole: 'user', createdAt: 1_700_000_000_000, recoveryVerifierHash: 'ab'.repeat(32), ...extra };
}

function session(userId: string, extra: Partial<Session> = {}): Session {
  return { id: id('s'), userId, deviceName: 'Firefox on Linux', ip: '203.0.113.7', userAgent: 'test', createdAt: 1000, lastUsedAt: 1000, expiresAt: 10_000_000, revokedAt: null, ...extra };
}

function invite(extra: Partial<Invite> = {}): Invite {
  return { code: id('inv'), communityId: null, createdBy: 'admin', maxUses: null, uses: 0, expiresAt: null, revokedAt: null, createdAt: 1_700_000_000_000, admitsNewAccounts: false, ...extra };
}

function community(ownerId: string): { community: Community; group: ChannelGroup; channel: Channel } {
  const c = { id: id('c'), name: 'Friends', ownerId, createdAt: 1_700_000_000_000 };
  const g = { id: id('g'), communityId: c.id, name: 'General', position: 0, createdAt: c.createdAt };
  const ch: Channel = { id: id('ch'), communityId: c.id, groupId: g.id, kind: 'text', name: 'general', position: 0, createdAt: c.createdAt, archivedAt: null, slowModeSeconds: 0, iconId: null, accent: null, callCap: null, disappearSeconds: null };
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
    const created = await b.storage.createUser(u);
    expect(created).toEqual({ ...u, failedLogins: 0, lockedUntil: null, totpSecret: null, totpEnabledAt: null, totpLastStep: null, dmPolicy: 'communities', avatarId: null, bannerId: null, quarantinedAt: null, quarantineReason: null, termsVersion: null, termsAcceptedAt: null, suspendedAt: null, suspensionReason: null, statusText: null });
    expect(await b.storage.getUserById(u.id)).toEqual(created);
    expect(await b.storage.getUserByUsername('alice_1')).toEqual(created);
    await expect(b.storage.createUser(user('ALICE_1'))).rejects.toMatchObject({ code: 'conflict' });
    expect(await b.storage.getUserByUsername('nobody')).toBeNull();
    // The terms a registration accepted are stored with the account; suspension is a patch.
    const accepted = await b.storage.createUser({ ...user('Terms_1'), termsVersion: 3, termsAcceptedAt: 1_700_000_000_123 });
    expect(await b.storage.getUserById(accepted.id)).toMatchObject({ termsVersion: 3, termsAcceptedAt: 1_700_000_000_123, suspendedAt: null });
    expect(await b.storage.updateUser(accepted.id, { suspendedAt: 5, suspensionReason: 'spam' })).toMatchObject({ suspendedAt: 5, suspensionReason: 'spam', termsVersion: 3 });
  });

  it('searches users by username prefix, case-insensitively, in order, paged; % and _ are literal (admin panel, #16)', async () => {
    for (const name of ['Srch_a1', 'srchb2', 'SRCH_c3', 'srch%d4', 'other1']) await b.storage.createUser(user(name));
    expect((await b.storage.searchUsers('SRCH', null, 10)).map((u) => u.username)).toEqual(['srch%d4', 'Srch_a1', 'SRCH_c3', 'srchb2']);
    expect((await b.storage.searchUsers('srch_', null, 10)).map((u) => u.username)).toEqual(['Srch_a1', 'SRCH_c3']);
    expect((await b.storage.searchUsers('srch%', null, 10)).map((u) => u.username)).toEqual(['srch%d4']);
    const first = await b.storage.searchUsers('srch', null, 2);
    expect(first.map((u) => u.username)).toEqual(['srch%d4', 'Srch_a1']);
    expect((await b.storage.searchUsers('srch', 'srch_a1', 2)).map((u) => u.username)).toEqual(['SRCH_c3', 'srchb2']);
  });

  it('two writers racing for the same username: exactly one wins, the other gets conflict', async () => {
    const results = await Promise.allSettled([b.storage.createUser(user('racer')), b.storage.createUser(user('racer'))]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const lost = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(lost.reason).toMatchObject({ name: 'StorageError', code: 'conflict' });
  });

  it('I5: look-alike usernames share a skeleton: found, refused on insert (also when racing), freed with the row', async () => {
    const paypal = await b.storage.createUser(user('paypal'));
    for (const name of ['paypal', 'paypa1', 'pay_pal', 'PAYPAl']) expect(await b.storage.hasLookAlike(name), name).toBe(true);
    expect(await b.storage.hasLookAlike('paypat')).toBe(false);
    await expect(b.storage.createUser(user('pay-pa1'))).rejects.toMatchObject({ code: 'conflict' });
    expect(await b.storage.deleteUser(paypal.id)).toBe(true);
    expect(await b.storage.hasLookAlike('paypa1')).toBe(false);
    await b.storage.createUser(user('paypa1'));

    const results = await Promise.allSettled([b.storage.createUser(user('twin_walter')), b.storage.createUser(user('twinvvalter'))]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason).toMatchObject({ code: 'conflict' });
  });

  it('I5: users written before the skeleton column get theirs at the next migrate; a look-alike pair from then keeps both accounts', async () => {
    const legacy = (username: string) =>
      b.all(
        `INSERT INTO users (id, username, username_key, display_name, email, password_hash, instance_role, created_at, failed_logins)
         VALUES (?, ?, ?, ?, NULL, 'h', 'user', 1, 0) RETURNING id`,
        [id('u'), username, username, username],
      );
    await legacy('rnallory');
    await legacy('old_dave');
    await legacy('oldclave');
    expect(await b.storage.hasLookAlike('mallory')).toBe(false);
    await b.storage.migrate(Date.now());
    expect(await b.storage.hasLookAlike('mallory')).toBe(true);
    expect(await b.storage.hasLookAlike('old.dave')).toBe(true);
    expect(await b.storage.getUserByUsername('old_dave')).not.toBeNull();
    expect(await b.storage.getUserByUsername('oldclave')).not.toBeNull();
    const missing = await b.all<{ n: number }>('SELECT COUNT(*) AS n FROM users WHERE username_skeleton IS NULL');
    expect(Number(missing[0]!.n)).toBe(1);
  });

  it('updates and deletes a user, cascading to devices and memberships', async () => {
    const u = await b.storage.createUser(user('bob'));
    expect(u.statusText).toBeNull();
    const updated = await b.storage.updateUser(u.id, { displayName: 'Bob B.', email: 'bob@example.org', statusText: 'In a meeting' });
    expect(updated).toMatchObject({ displayName: 'Bob B.', email: 'bob@example.org', username: 'bob', statusText: 'In a meeting' });
    expect((await b.storage.getUsersByIds([u.id]))[0]?.statusText).toBe('In a meeting');
    expect((await b.storage.updateUser(u.id, { statusText: null })).statusText).toBeNull();
    await b.storage.addDevice({ id: id('d'), userId: u.id, name: 'laptop', identityKey: 'pub', createdAt: 1, lastSeenAt: 1, signedPreKey: null, kyberPreKey: null });
    const owner = await b.storage.createUser(user('owner1'));
    const c = community(owner.id);
    await b.storage.createCommunity(c);
    await b.storage.addMember({ communityId: c.community.id, userId: u.id, role: 'member', joinedAt: 2, timedOutUntil: null });
    const s = await b.storage.createSession(session(u.id), id('h'));
    await b.storage.appendAudit({ id: id('a'), event: 'login', userId: u.id, ip: '1.2.3.4', userAgent: 'x', detail: '{}', createdAt: 1 });
    expect(await b.storage.deleteUser(u.id)).toBe(true);
    expect(await b.storage.getUserById(u.id)).toBeNull();
    expect(await b.storage.getSession(s.id)).toBeNull();
    expect(await b.storage.listAudit({ userId: u.id, limit: 10 })).toEqual([]);
    expect(await b.storage.listDevices(u.id)).toEqual([]);
    expect(await b.storage.getMember(c.community.id, u.id)).toBeNull();
    await expect(b.storage.updateUser(u.id, { displayName: 'x' })).rejects.toMatchObject({ code: 'not_found' });
  });

  it('at most one instance owner, even when two registrations race for it', async () => {
    const results = await Promise.allSettled([b.storage.createUser(user('owner_a', { instanceRole: 'owner' })), b.storage.createUser(user('owner_b', { instanceRole: 'owner' }))]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason).toMatchObject({ code: 'conflict' });
  });

  it('login failures count atomically and lock at the threshold; success clears them', async () => {
    const u = await b.storage.createUser(user('lockme'));
    const results = await Promise.all(Array.from({ length: 10 }, () => b.storage.recordLoginFailure(u.id, 10, 5000)));
    expect(results.map((r) => r.failedLogins).sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(await b.storage.getUserById(u.id)).toMatchObject({ failedLogins: 10, lockedUntil: 5000 });
    await b.storage.resetLoginFailures(u.id);
    expect(await b.storage.getUserById(u.id)).toMatchObject({ failedLogins: 0, lockedUntil: null });
  });

  it('A5: a TOTP step is accepted once, and never an older one', async () => {
    const u = await b.storage.createUser(user('totp_user'));
    await b.storage.updateUser(u.id, { totpSecret: 'sealed', totpEnabledAt: 5 });
    const race = await Promise.all([b.storage.acceptTotpStep(u.id, 100), b.storage.acceptTotpStep(u.id, 100)]);
    expect(race.sort()).toEqual([false, true]);
    expect(await b.storage.acceptTotpStep(u.id, 99)).toBe(false);
    expect(await b.storage.acceptTotpStep(u.id, 101)).toBe(true);
    expect(await b.storage.getUserById(u.id)).toMatchObject({ totpSecret: 'sealed', totpEnabledAt: 5, totpLastStep: 101 });
  });

  it('A6: backup codes are single-use, and regenerating voids the old set', async () => {
    const u = await b.storage.createUser(user('backup_user'));
    await b.storage.replaceBackupCodes(u.id, ['h1', 'h2', 'h3']);
    expect(await b.storage.countUnusedBackupCodes(u.id)).toBe(3);
    const race = await Promise.all([b.storage.useBackupCode(u.id, 'h1', 1), b.storage.useBackupCode(u.id, 'h1', 1)]);
    expect(race.sort()).toEqual([false, true]);
    expect(await b.storage.useBackupCode(u.id, 'nope', 1)).toBe(false);
    await b.storage.replaceBackupCodes(u.id, ['h4']);
    expect(await b.storage.useBackupCode(u.id, 'h2', 2)).toBe(false);
    expect(await b.storage.useBackupCode(u.id, 'h4', 2)).toBe(true);
    expect(await b.storage.countUnusedBackupCodes(u.id)).toBe(0);
  });

  it('A4: refresh tokens rotate once; parallel rotations of one token have one winner; reuse is recognised', async () => {
    const u = await b.storage.createUser(user('refresher'));
    const s = await b.storage.createSession(session(u.id), 'r1');
    expect(await b.storage.getSession(s.id)).toEqual(s);
    const first = await b.storage.rotateRefreshToken('r1', 'r2', 2000);
    expect(first).toMatchObject({ state: 'rotated', session: { id: s.id, lastUsedAt: 2000 } });
    // r2 was never presented: the lookup names it, so a lost answer can be told from theft.
    expect(await b.storage.rotateRefreshToken('r1', 'r2b', 3000)).toEqual({ state: 'already-rotated', rotatedAt: 2000, session: expect.objectContaining({ id: s.id }), unusedSuccessor: 'r2' });
    const parallel = await Promise.all([b.storage.rotateRefreshToken('r2', 'r3a', 4000), b.storage.rotateRefreshToken('r2', 'r3b', 4000)]);
    expect(parallel.map((p) => p.state).sort()).toEqual(['already-rotated', 'rotated']);
    // (The loser may look before the winner's successor is written; the route answers it as a race either way.)
    const winner = parallel[0]!.state === 'rotated' ? 'r3a' : 'r3b';
    expect(await b.storage.rotateRefreshToken('r2', 'r3c', 4500)).toMatchObject({ state: 'already-rotated', unusedSuccessor: winner });
    // r2 has been used since: r1's successor is no longer unused.
    expect(await b.storage.rotateRefreshToken('r1', 'r2c', 5000)).toMatchObject({ state: 'already-rotated', rotatedAt: 2000, unusedSuccessor: null });
    expect(await b.storage.rotateRefreshToken('never-issued', 'x', 5000)).toEqual({ state: 'unknown' });
  });

  it('sessions: listed while live, revoked one by one or all but the current one', async () => {
    const u = await b.storage.createUser(user('sessions_user'));
    const a = await b.storage.createSession(session(u.id, { lastUsedAt: 1 }), id('h'));
    const c = await b.storage.createSession(session(u.id, { lastUsedAt: 3 }), id('h'));
    const d = await b.storage.createSession(session(u.id, { lastUsedAt: 2 }), id('h'));
    await b.storage.createSession(session(u.id, { expiresAt: 5 }), id('h'));
    expect((await b.storage.listSessions(u.id, 10)).map((x) => x.id)).toEqual([c.id, d.id, a.id]);
    expect(await b.storage.revokeSession('someone-else', a.id, 20)).toBe(false);
    expect(await b.storage.revokeSession(u.id, a.id, 20)).toBe(true);
    expect(await b.storage.revokeSession(u.id, a.id, 21)).toBe(false);
    expect(await b.storage.revokeAllSessions(u.id, 22, c.id)).toBe(2); // d and the expired one
    expect((await b.storage.listSessions(u.id, 10)).map((x) => x.id)).toEqual([c.id]);
    expect((await b.storage.getSession(d.id))?.revokedAt).toBe(22);
  });

  it('account counts: live sessions and devices of a page of users in one read', async () => {
    const u = await b.storage.createUser(user('counted_user'));
    const idle = await b.storage.createUser(user('idle_user'));
    await b.storage.createSession(session(u.id), id('h'));
    const gone = await b.storage.createSession(session(u.id), id('h'));
    await b.storage.createSession(session(u.id, { expiresAt: 5 }), id('h'));
    await b.storage.revokeSession(u.id, gone.id, 20);
    for (const k of [1, 2]) await b.storage.addDevice({ id: id('d'), userId: u.id, name: 'phone', identityKey: `ik-counted-${k}`, createdAt: k, lastSeenAt: k, signedPreKey: null, kyberPreKey: null });
    const counts = new Map(await b.storage.accountCounts([u.id, idle.id, 'nobody', u.id], 10));
    expect(counts).toEqual(new Map([[u.id, { sessions: 1, devices: 2 }], [idle.id, { sessions: 0, devices: 0 }]]));
    expect(counts.get(u.id)).toEqual({ sessions: (await b.storage.listSessions(u.id, 10)).length, devices: (await b.storage.listDevices(u.id)).length });
    expect(await b.storage.accountCounts([], 10)).toEqual([]);
  });

  it('prekeys: set, counted, and each one-time prekey handed out exactly once, also under 20 parallel claims', async () => {
    const u = await b.storage.createUser(user('prekey_owner'));
    const d = await b.storage.addDevice({ id: id('d'), userId: u.id, name: 'phone', identityKey: 'ik', createdAt: 1, lastSeenAt: 1, signedPreKey: null, kyberPreKey: null });
    await b.storage.setPreKeys(d.id, { signedPreKey: 'spk-v1', kyberPreKey: 'kpk-v1' });
    expect(await b.storage.getDevice(d.id)).toMatchObject({ signedPreKey: 'spk-v1', kyberPreKey: 'kpk-v1' });
    await b.storage.addOneTimePreKeys(d.id, [1, 2, 3, 4, 5].map((k) => ({ keyId: k, publicKey: `opk-${k}` })));
    await b.storage.addOneTimePreKeys(d.id, [{ keyId: 5, publicKey: 'replaced?' }]);
    expect(await b.storage.countOneTimePreKeys(d.id)).toBe(5);
    const claims = await Promise.all(Array.from({ length: 20 }, () => b.storage.claimOneTimePreKey(d.id)));
    const got = claims.filter((c) => c !== null);
    expect(got.map((c) => c!.keyId).sort()).toEqual([1, 2, 3, 4, 5]);
    expect(got.find((c) => c!.keyId === 5)!.publicKey).toBe('opk-5');
    expect(await b.storage.countOneTimePreKeys(d.id)).toBe(0);
    expect(await b.storage.claimOneTimePreKey(d.id)).toBeNull();
  });

  it('device lists and key backups keep only newer versions', async () => {
    const u = await b.storage.createUser(user('list_owner'));
    expect(await b.storage.putDeviceList({ userId: u.id, version: 1, list: 'v1', updatedAt: 1 })).toBe(true);
    expect(await b.storage.putDeviceList({ userId: u.id, version: 1, list: 'v1-again', updatedAt: 2 })).toBe(false);
    expect(await b.storage.putDeviceList({ userId: u.id, version: 3, list: 'v3', updatedAt: 3 })).toBe(true);
    expect(await b.storage.putDeviceList({ userId: u.id, version: 2, list: 'v2', updatedAt: 4 })).toBe(false);
    expect(await b.storage.getDeviceList(u.id)).toEqual({ userId: u.id, version: 3, list: 'v3', updatedAt: 3 });
    expect(await b.storage.putKeyBackupMeta({ userId: u.id, version: 1, size: 10, updatedAt: 1 })).toBe(true);
    expect(await b.storage.putKeyBackupMeta({ userId: u.id, version: 1, size: 11, updatedAt: 2 })).toBe(false);
    expect(await b.storage.getKeyBackupMeta(u.id)).toEqual({ userId: u.id, version: 1, size: 10, updatedAt: 1 });
  });

  it('#11.5 the owner grant is taken once: one of parallel claims wins, later claims lose, a release gives it back', async () => {
    // Each back end's database is shared by this file's tests; this case is the only one to claim.
    const results = await Promise.all([b.storage.claimOwnerGrant(1), b.storage.claimOwnerGrant(2), b.storage.claimOwnerGrant(3)]);
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await b.storage.claimOwnerGrant(4)).toBe(false);
    await b.storage.releaseOwnerGrant();
    expect(await b.storage.claimOwnerGrant(5)).toBe(true);
  });

  it('counts users', async () => {
    const before = await b.storage.countUsers();
    await b.storage.createUser(user(`count_${n}`));
    expect(await b.storage.countUsers()).toBe(before + 1);
  });

  it('issue #13: file records — parts advance only from where they stand, usage and open uploads per account and address, orphans when the channel or uploader goes or the upload stalls', async () => {
    const u = await b.storage.createUser(user(`files_${n}`));
    const c = community(u.id);
    await b.storage.createCommunity(c);
    const ip = `198.51.100.${n % 250}`;
    const f1 = { id: id('f').padEnd(22, 'x').slice(0, 22), channelId: c.channel.id, uploaderId: u.id, uploaderIp: ip, size: 3_000_000, createdAt: 1_000 };
    const f2 = { ...f1, id: id('g').padEnd(22, 'y').slice(0, 22), size: 10, createdAt: 5_000 };
    await b.storage.createFile(f1);
    await b.storage.createFile(f2);
    expect(await b.storage.getFile(f1.id)).toEqual({ ...f1, received: 0, completedAt: null });
    expect(await b.storage.fileUsage(u.id)).toEqual({ bytes: 3_000_010, openUploads: 2 });
    expect(await b.storage.openUploadsFromIp(ip)).toBe(2);
    // A part moves `received` only from where it stands: a second writer of the same part loses.
    expect(await b.storage.advanceFile(f1.id, 0, 1_048_576, null)).toBe(true);
    expect(await b.storage.advanceFile(f1.id, 0, 1_048_576, null)).toBe(false);
    expect(await b.storage.advanceFile(f2.id, 0, 10, 6_000)).toBe(true);
    expect(await b.storage.advanceFile(f2.id, 10, 20, 7_000)).toBe(false); // complete: nothing moves it
    expect(await b.storage.getFile(f2.id)).toEqual({ ...f2, received: 10, completedAt: 6_000 });
    expect(await b.storage.fileUsage(u.id)).toEqual({ bytes: 3_000_010, openUploads: 1 });
    expect(await b.storage.openUploadsFromIp(ip)).toBe(1);
    // A purge's files: the uploader's in that channel within the window, oldest first, bounded.
    expect((await b.storage.listFilesBy(c.channel.id, u.id, 0, 9_000, 10)).map((f) => f.id)).toEqual([f1.id, f2.id]);
    expect((await b.storage.listFilesBy(c.channel.id, u.id, 1_001, 9_000, 10)).map((f) => f.id)).toEqual([f2.id]);
    expect((await b.storage.listFilesBy(c.channel.id, u.id, 0, 4_999, 10)).map((f) => f.id)).toEqual([f1.id]);
    expect((await b.storage.listFilesBy(c.channel.id, u.id, 0, 9_000, 1)).map((f) => f.id)).toEqual([f1.id]);
    expect(await b.storage.listFilesBy(c.channel.id, 'someone-else', 0, 9_000, 10)).toEqual([]);
    expect(await b.storage.listFilesBy('another-channel', u.id, 0, 9_000, 10)).toEqual([]);
    // Orphans: the stalled upload (before the cutoff), not the complete one; then all of the channel's.
    expect((await b.storage.listOrphanFiles(2_000, 10)).map((f) => f.id)).toEqual([f1.id]);
    expect(await b.storage.listOrphanFiles(500, 10)).toEqual([]);
    await b.storage.deleteChannel(c.channel.id);
    expect((await b.storage.listOrphanFiles(500, 10)).map((f) => f.id).sort()).toEqual([f1.id, f2.id].sort());
    await b.storage.deleteFileRecord(f1.id);
    expect(await b.storage.getFile(f1.id)).toBeNull();
    expect(await b.storage.fileUsage(u.id)).toEqual({ bytes: 10, openUploads: 0 });
    await b.storage.deleteFileRecord(f2.id);
    expect(await b.storage.fileUsage(u.id)).toEqual({ bytes: 0, openUploads: 0 });
  });

  it('issue #17 items 3 and 4: webhooks — listed per channel, rotated, counted, deleted, gone with their channel; an encrypted one’s bot approved once and sharing with its channel', async () => {
    const u = await b.storage.createUser(user(`hooks_${n}`));
    const c = community(u.id);
    await b.storage.createCommunity(c);
    const hook = (k: string, createdAt: number) => ({ id: id(k), channelId: c.channel.id, name: `hook ${k}`, secretDigest: 'a'.repeat(64), createdBy: u.id, createdAt, rotatedAt: null, posts: 0, lastPostAt: null, botUserId: null, approvedAt: null });
    const h1 = await b.storage.createWebhook(hook('h1', 1_000));
    const h2 = await b.storage.createWebhook(hook('h2', 2_000));
    expect(await b.storage.getWebhook(h1.id)).toEqual(h1);
    expect((await b.storage.listWebhooks(c.channel.id)).map((w) => w.id)).toEqual([h1.id, h2.id]);
    expect(await b.storage.rotateWebhook(h1.id, 'b'.repeat(64), 3_000)).toBe(true);
    expect(await b.storage.rotateWebhook('nope', 'b'.repeat(64), 3_000)).toBe(false);
    await b.storage.recordWebhookPost(h1.id, 4_000);
    await b.storage.recordWebhookPost(h1.id, 5_000);
    expect(await b.storage.getWebhook(h1.id)).toEqual({ ...h1, secretDigest: 'b'.repeat(64), rotatedAt: 3_000, posts: 2, lastPostAt: 5_000 });
    expect(await b.storage.deleteWebhook(h2.id)).toBe(true);
    expect(await b.storage.deleteWebhook(h2.id)).toBe(false);
    // An encrypted webhook (item 4): found by its bot account, approved once; a plaintext one never.
    const bot = await b.storage.createUser({ ...user(`hookbot_${n}`), instanceRole: 'bot' });
    const h3 = await b.storage.createWebhook({ ...hook('h3', 6_000), botUserId: bot.id });
    expect(await b.storage.webhookOfBot(bot.id)).toEqual(h3);
    expect(await b.storage.webhookOfBot(u.id)).toBeNull();
    expect(await b.storage.approveWebhook(h1.id, 7_000)).toBe(false);
    expect(await b.storage.approveWebhook(h3.id, 7_000)).toBe(true);
    expect(await b.storage.approveWebhook(h3.id, 8_000)).toBe(false);
    expect((await b.storage.getWebhook(h3.id))?.approvedAt).toBe(7_000);
    expect((await b.storage.getUserById(bot.id))?.instanceRole).toBe('bot');
    // Approved, it shares with the channel's community (key delivery) and with the channel's other approved bots.
    const bot2 = await b.storage.createUser({ ...user(`hookbot2_${n}`), instanceRole: 'bot' });
    const h4 = await b.storage.createWebhook({ ...hook('h4', 9_000), botUserId: bot2.id });
    expect(await b.storage.sharedWith(bot.id, [u.id, bot2.id])).toEqual([u.id]);
    expect(await b.storage.sharedWith(u.id, [bot.id, bot2.id])).toEqual([bot.id]);
    await b.storage.approveWebhook(h4.id, 9_500);
    expect((await b.storage.sharedWith(bot.id, [u.id, bot2.id])).sort()).toEqual([u.id, bot2.id].sort());
    expect((await b.storage.channelAccess(c.channel.id, bot.id))?.bot).toBe(true);
    expect((await b.storage.channelAccess(c.channel.id, u.id))?.bot).toBeUndefined();
    await b.storage.deleteChannel(c.channel.id);
    expect(await b.storage.getWebhook(h1.id)).toBeNull();
  });

  it('issue #13 items 5 and 6: images are live while a user, community or emoji refers to them; emoji names are unique and capped per community', async () => {
    const u = await b.storage.createUser(user(`images_${n}`));
    const c = community(u.id);
    await b.storage.createCommunity(c);
    const img = (k: string, createdAt: number) => ({ id: id(k).padEnd(22, 'z').slice(0, 22), slot: 'avatar' as const, contentType: 'image/png' as const, width: 256, height: 256, size: 1234, uploaderId: u.id, createdAt });
    const [avatar, icon, e1, e2, loose] = [img('a', 1_000), img('i', 1_000), img('e', 1_000), img('d', 1_000), img('l', 1_000)];
    for (const i of [avatar, icon, e1, e2, loose]) await b.storage.createImage(i);
    expect(await b.storage.getImage(avatar.id)).toEqual(avatar);
    expect((await b.storage.updateUser(u.id, { avatarId: avatar.id })).avatarId).toBe(avatar.id);
    await b.storage.updateCommunityLook(c.community.id, { iconId: icon.id, accent: '#112233' });
    expect(await b.storage.getCommunity(c.community.id)).toMatchObject({ iconId: icon.id, bannerId: null, accent: '#112233' });
    const emoji = (name: string, imageId: string) => ({ name, imageId, createdBy: u.id, createdAt: 2_000 });
    expect(await b.storage.addEmoji(c.community.id, emoji('one', e1.id), 2)).toBe('added');
    expect(await b.storage.addEmoji(c.community.id, emoji('one', e2.id), 2)).toBe('exists');
    expect(await b.storage.addEmoji(c.community.id, emoji('two', e2.id), 2)).toBe('added');
    expect(await b.storage.addEmoji(c.community.id, emoji('three', loose.id), 2)).toBe('full');
    expect((await b.storage.listEmoji(c.community.id)).map((e) => e.name)).toEqual(['one', 'two']);
    // Only the image nothing refers to is an orphan, and only once older than the cutoff.
    expect((await b.storage.listOrphanImages(2_000, 10)).map((i) => i.id).filter((x) => [avatar, icon, e1, e2, loose].some((i) => i.id === x))).toEqual([loose.id]);
    expect((await b.storage.listOrphanImages(500, 10)).filter((i) => i.id === loose.id)).toEqual([]);
    expect(await b.storage.deleteEmoji(c.community.id, 'one')).toBe(e1.id);
    expect(await b.storage.deleteEmoji(c.community.id, 'one')).toBeNull();
    await b.storage.updateUser(u.id, { avatarId: null });
    const mine = new Set([avatar.id, icon.id, e1.id, e2.id, loose.id]);
    expect((await b.storage.listOrphanImages(2_000, 50)).map((i) => i.id).filter((x) => mine.has(x)).sort()).toEqual([avatar.id, e1.id, loose.id].sort());
    // The community goes: its emoji rows with it, so its images are orphans too.
    await b.storage.deleteCommunity(c.community.id);
    expect((await b.storage.listOrphanImages(2_000, 50)).map((i) => i.id).filter((x) => mine.has(x)).sort()).toEqual([...mine].sort());
    // The instance's icon (an instance setting) is not an orphan while it is set.
    const instanceIcon = img('n', 1_000);
    await b.storage.createImage(instanceIcon);
    await b.storage.setSetting('instance_icon', instanceIcon.id);
    expect((await b.storage.listOrphanImages(2_000, 50)).some((i) => i.id === instanceIcon.id)).toBe(false);
    await b.storage.setSetting('instance_icon', '');
    expect((await b.storage.listOrphanImages(2_000, 50)).some((i) => i.id === instanceIcon.id)).toBe(true);
    for (const i of mine) await b.storage.deleteImageRecord(i);
    expect(await b.storage.getImage(avatar.id)).toBeNull();
  });

  it.runIf(isD1(name))('issue #13 item 7: the file parts\' blob store on R2 (Miniflare\'s R2 simulator, the binding wrangler deploys): put, read back, overwrite, delete; a key out of the store is refused', async () => {
    const part = Buffer.from(Array.from({ length: 4096 }, (_, i) => i % 251)).toString('base64');
    const key = `files/${id('f')}/0`;
    expect(await b.blob('get', key)).toBeNull();
    await b.blob('put', key, part);
    expect(await b.blob('get', key)).toBe(part);
    await b.blob('put', key, Buffer.from('again').toString('base64'));
    expect(Buffer.from((await b.blob('get', key))!, 'base64').toString()).toBe('again');
    await b.blob('delete', key);
    expect(await b.blob('get', key)).toBeNull();
    await b.blob('delete', key); // deleting what is gone is not an error
    await expect(b.blob('put', '../keys/jwt', part)).rejects.toThrow(/URL-safe path segments/);
  });

  it('lists and removes devices', async () => {
    const u = await b.storage.createUser(user('dev_owner'));
    // A device registered before sessions were recorded has none; a newer one keeps the session that registered it.
    const d1 = { id: id('d'), userId: u.id, name: 'phone', identityKey: 'k1', createdAt: 1, lastSeenAt: 1, signedPreKey: null, kyberPreKey: null, sessionId: null };
    const d2 = { id: id('d'), userId: u.id, name: 'laptop', identityKey: 'k2', createdAt: 2, lastSeenAt: 2, signedPreKey: 'spk', kyberPreKey: null, sessionId: 'session-of-laptop' };
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
    await b.storage.unredeemInvite(once.code);
    expect((await b.storage.redeemInvite(once.code, 12)).uses).toBe(1);
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

  it('invites: whether a community invite admits new accounts is kept, read back as a boolean, and survives redemption', async () => {
    const admits = await b.storage.createInvite(invite({ communityId: null, admitsNewAccounts: true }));
    const plain = await b.storage.createInvite(invite({ admitsNewAccounts: false }));
    expect((await b.storage.getInvite(admits.code))?.admitsNewAccounts).toBe(true);
    expect((await b.storage.getInvite(plain.code))?.admitsNewAccounts).toBe(false);
    expect((await b.storage.redeemInvite(admits.code, 1)).admitsNewAccounts).toBe(true);
    expect((await b.storage.listInvites(null)).find((i) => i.code === admits.code)?.admitsNewAccounts).toBe(true);
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
    const read = { ...c.community, iconId: null, bannerId: null, accent: null };
    expect(await b.storage.createCommunity(c)).toEqual(read);
    expect(await b.storage.getCommunity(c.community.id)).toEqual(read);
    expect(await b.storage.getMember(c.community.id, owner.id)).toMatchObject({ role: 'owner' });
    expect(await b.storage.listChannels(c.community.id)).toEqual([c.channel]);
    expect(await b.storage.listCommunitiesForUser(owner.id)).toEqual([read]);
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
    await b.storage.addMember({ communityId: c.community.id, userId: member.id, role: 'member', joinedAt: 5, timedOutUntil: null });
    await expect(b.storage.addMember({ communityId: c.community.id, userId: member.id, role: 'member', joinedAt: 6, timedOutUntil: null })).rejects.toMatchObject({ code: 'conflict' });
    expect((await b.storage.listMembers(c.community.id)).map((m) => m.userId).sort()).toEqual([owner.id, member.id].sort());
    await b.storage.banMember({ communityId: c.community.id, userId: member.id, reason: 'spam', bannedBy: owner.id, createdAt: 9, expiresAt: null });
    expect(await b.storage.getMember(c.community.id, member.id)).toBeNull();
    expect(await b.storage.getBan(c.community.id, member.id)).toMatchObject({ reason: 'spam', bannedBy: owner.id });
    expect(await b.storage.removeMember(c.community.id, member.id)).toBe(false);
  });

  it('DMs and group DMs: members only, listed per user', async () => {
    const a = await b.storage.createUser(user('dm_a'));
    const c = await b.storage.createUser(user('dm_c'));
    const outsider = await b.storage.createUser(user('dm_out'));
    const dm: Channel = { id: id('dm'), communityId: null, groupId: null, kind: 'dm', name: '', position: 0, createdAt: 5, archivedAt: null, slowModeSeconds: 0, iconId: null, accent: null, callCap: null, disappearSeconds: null };
    await b.storage.createDirectChannel(dm, [a.id, c.id], 5);
    expect(await b.storage.listChannelMembers(dm.id)).toEqual(expect.arrayContaining([a.id, c.id]));
    expect((await b.storage.listDirectChannels(a.id)).map((x) => x.id)).toEqual([dm.id]);
    expect(await b.storage.channelAccess(dm.id, a.id)).toMatchObject({ directMember: true, member: null, banned: false });
    expect(await b.storage.channelAccess(dm.id, outsider.id)).toMatchObject({ directMember: false });
    expect(await b.storage.channelAccess('no-such-channel', a.id)).toBeNull();
  });

  it('#11.8 DM requests: a pending member is listed in the states but not as a member, has no access, and accepting or declining moves them', async () => {
    const a = await b.storage.createUser(user('req_a'));
    const c = await b.storage.createUser(user('req_c'));
    const dm: Channel = { id: id('req'), communityId: null, groupId: null, kind: 'dm', name: '', position: 0, createdAt: 7, archivedAt: null, slowModeSeconds: 0, iconId: null, accent: null, callCap: null, disappearSeconds: null };
    await b.storage.createDirectChannel(dm, [a.id, c.id], 7, [c.id]);
    expect(await b.storage.directMemberStates(dm.id)).toEqual(expect.arrayContaining([{ userId: a.id, acceptedAt: 7, declinedAt: null }, { userId: c.id, acceptedAt: null, declinedAt: null }]));
    expect(await b.storage.listChannelMembers(dm.id)).toEqual([a.id]);
    expect((await b.storage.listDirectChannels(c.id)).map((x) => x.id)).toEqual([]);
    expect((await b.storage.listDirectChannels(c.id, { all: true })).map((x) => x.id)).toEqual([dm.id]);
    expect(await b.storage.channelAccess(dm.id, c.id)).toMatchObject({ directMember: false });
    expect(await b.storage.channelAccess(dm.id, a.id)).toMatchObject({ directMember: true, directPeersAccepted: false });
    expect(await b.storage.setDirectMemberState(dm.id, c.id, 'accepted', 9)).toBe(true);
    expect(await b.storage.channelAccess(dm.id, a.id)).toMatchObject({ directMember: true, directPeersAccepted: true });
    expect(await b.storage.setDirectMemberState(dm.id, c.id, 'declined', 10)).toBe(true);
    expect((await b.storage.directMemberStates(dm.id)).find((m) => m.userId === c.id)).toEqual({ userId: c.id, acceptedAt: null, declinedAt: 10 });
    expect(await b.storage.setDirectMemberState(dm.id, 'nobody', 'accepted', 11)).toBe(false);
  });

  it('roles, overrides, timeouts and bans feed channelAccess; groups and channels update and delete', async () => {
    const owner = await b.storage.createUser(user('access_owner'));
    const m = await b.storage.createUser(user('access_member'));
    const c = community(owner.id);
    await b.storage.createCommunity(c);
    await b.storage.addMember({ communityId: c.community.id, userId: m.id, role: 'member', joinedAt: 1, timedOutUntil: null });
    const role = await b.storage.createRole({ id: id('r'), communityId: c.community.id, name: 'muted', permissions: 0, position: 1 });
    await b.storage.assignRole(c.community.id, m.id, role.id);
    await b.storage.assignRole(c.community.id, m.id, role.id);
    await b.storage.setChannelOverride({ channelId: c.channel.id, targetType: 'role', targetId: role.id, allow: 0, deny: 2 });
    await b.storage.updateMember(c.community.id, m.id, { timedOutUntil: 999 });
    const access = await b.storage.channelAccess(c.channel.id, m.id);
    expect(access).toMatchObject({ member: { role: 'member', timedOutUntil: 999 }, customRoles: [{ id: role.id, permissions: 0 }], overrides: [{ targetType: 'role', targetId: role.id, allow: 0, deny: 2 }], banned: false });
    await b.storage.setChannelOverride({ channelId: c.channel.id, targetType: 'role', targetId: role.id, allow: 0, deny: 0 });
    expect((await b.storage.channelAccess(c.channel.id, m.id))!.overrides).toEqual([]);
    expect(await b.storage.unassignRole(c.community.id, m.id, role.id)).toBe(true);
    await b.storage.banMember({ communityId: c.community.id, userId: m.id, reason: 'x', bannedBy: owner.id, createdAt: 2, expiresAt: null });
    expect(await b.storage.channelAccess(c.channel.id, m.id)).toMatchObject({ member: null, banned: true });
    expect(await b.storage.unban(c.community.id, m.id)).toBe(true);
    const g = await b.storage.createGroup({ id: id('g'), communityId: c.community.id, name: 'Second', position: 2, createdAt: 3 });
    await b.storage.updateGroup(g.id, { name: 'Renamed', position: 5 });
    expect((await b.storage.listGroups(c.community.id)).map((x) => x.name)).toEqual(['General', 'Renamed']);
    await b.storage.updateChannel(c.channel.id, { name: 'lobby', slowModeSeconds: 30, groupId: g.id });
    expect(await b.storage.getChannel(c.channel.id)).toMatchObject({ name: 'lobby', slowModeSeconds: 30, groupId: g.id, callCap: null });
    // A call cap (issue #14) is set and cleared like any setting.
    await b.storage.updateChannel(c.channel.id, { callCap: 8 });
    expect((await b.storage.getChannel(c.channel.id))!.callCap).toBe(8);
    await b.storage.updateChannel(c.channel.id, { callCap: null });
    expect((await b.storage.getChannel(c.channel.id))!.callCap).toBeNull();
    expect(await b.storage.deleteGroup(g.id)).toBe(true);
    expect((await b.storage.getChannel(c.channel.id))!.groupId).toBeNull();
    expect(await b.storage.deleteChannel(c.channel.id)).toBe(true);
    await b.storage.renameCommunity(c.community.id, 'Renamed community');
    expect((await b.storage.getCommunity(c.community.id))!.name).toBe('Renamed community');
    // Transfer: only from the owner, only to a member, both rows or neither.
    const stranger = await b.storage.createUser(user('xfer_stranger'));
    expect(await b.storage.transferCommunity(c.community.id, owner.id, stranger.id)).toBe(false);
    expect(await b.storage.transferCommunity(c.community.id, m.id, owner.id)).toBe(false);
    expect((await b.storage.getMember(c.community.id, owner.id))!.role).toBe('owner');
    if (!(await b.storage.getMember(c.community.id, m.id))) await b.storage.addMember({ communityId: c.community.id, userId: m.id, role: 'member', joinedAt: 4, timedOutUntil: null });
    expect(await b.storage.transferCommunity(c.community.id, owner.id, m.id)).toBe(true);
    expect((await b.storage.getCommunity(c.community.id))!.ownerId).toBe(m.id);
    expect((await b.storage.getMember(c.community.id, m.id))!.role).toBe('owner');
    expect((await b.storage.getMember(c.community.id, owner.id))!.role).toBe('admin');
    expect(await b.storage.transferCommunity(c.community.id, owner.id, m.id)).toBe(false);
    expect(await b.storage.deleteCommunity(c.community.id)).toBe(true);
    expect(await b.storage.listMembers(c.community.id)).toEqual([]);
  });

  it('personal groups: owner and privacy on the group, a member list that feeds channelAccess and goes with the membership', async () => {
    const owner = await b.storage.createUser(user('pg_owner'));
    const gowner = await b.storage.createUser(user('pg_gowner'));
    const friend = await b.storage.createUser(user('pg_friend'));
    const c = community(owner.id);
    await b.storage.createCommunity(c);
    for (const m of [gowner, friend]) await b.storage.addMember({ communityId: c.community.id, userId: m.id, role: 'member', joinedAt: 1, timedOutUntil: null });
    // An ordinary group reads back with no owner and no privacy; its channels carry no personal-group facts.
    expect((await b.storage.listGroups(c.community.id))[0]).toMatchObject({ ownerUserId: null, privateAt: null });
    expect((await b.storage.channelAccess(c.channel.id, friend.id))!.personalGroup).toBeNull();

    const g = await b.storage.createGroup({ id: id('pg'), communityId: c.community.id, name: 'Studio', position: 1, createdAt: 3, ownerUserId: gowner.id, privateAt: 1_700_000_000_000 });
    expect(g).toMatchObject({ ownerUserId: gowner.id, privateAt: 1_700_000_000_000 });
    expect((await b.storage.listGroups(c.community.id)).find((x) => x.id === g.id)).toEqual(g);
    const ch: Channel = { id: id('ch'), communityId: c.community.id, groupId: g.id, kind: 'text', name: 'studio', position: 1, createdAt: 4, archivedAt: null, slowModeSeconds: 0, iconId: null, accent: null, callCap: null, disappearSeconds: null };
    await b.storage.createChannel(ch);
    expect((await b.storage.channelAccess(ch.id, friend.id))!.personalGroup).toEqual({ groupId: g.id, ownerUserId: gowner.id, private: true, listed: false });

    await b.storage.addGroupMember(g.id, friend.id, 5);
    await b.storage.addGroupMember(g.id, friend.id, 6); // twice changes nothing
    expect(await b.storage.listGroupMembers(g.id)).toEqual([friend.id]);
    expect((await b.storage.channelAccess(ch.id, friend.id))!.personalGroup).toMatchObject({ listed: true });
    expect((await b.storage.channelAccess(ch.id, gowner.id))!.personalGroup).toMatchObject({ ownerUserId: gowner.id, listed: false });

    await b.storage.updateGroup(g.id, { privateAt: null });
    expect((await b.storage.channelAccess(ch.id, friend.id))!.personalGroup).toMatchObject({ private: false });
    expect((await b.storage.listGroups(c.community.id)).find((x) => x.id === g.id)!.privateAt).toBeNull();

    expect(await b.storage.removeGroupMember(g.id, friend.id)).toBe(true);
    expect(await b.storage.removeGroupMember(g.id, friend.id)).toBe(false);
    // Leaving or being banned takes the member off every group list, so rejoining does not restore it.
    await b.storage.addGroupMember(g.id, friend.id, 7);
    expect(await b.storage.removeMember(c.community.id, friend.id)).toBe(true);
    expect(await b.storage.listGroupMembers(g.id)).toEqual([]);
    await b.storage.addMember({ communityId: c.community.id, userId: friend.id, role: 'member', joinedAt: 8, timedOutUntil: null });
    await b.storage.addGroupMember(g.id, friend.id, 9);
    await b.storage.banMember({ communityId: c.community.id, userId: friend.id, reason: 'x', bannedBy: owner.id, createdAt: 10, expiresAt: null });
    expect(await b.storage.listGroupMembers(g.id)).toEqual([]);

    // Deleting the group clears its list (the route deletes a personal group's channels first).
    await b.storage.addGroupMember(g.id, gowner.id, 11);
    expect(await b.storage.deleteGroup(g.id)).toBe(true);
    expect(await b.storage.listGroupMembers(g.id)).toEqual([]);
    expect((await b.storage.channelAccess(ch.id, gowner.id))!.personalGroup).toBeNull();
  });

  it('#21 batch reads for a channel of many: each agrees with the one-at-a-time read it replaces, past one statement\'s slice of ids', async () => {
    const owner = await b.storage.createUser(user('many_owner'));
    const people = await Promise.all(Array.from({ length: 100 }, (_, i) => b.storage.createUser(user(`many_${i}`))));
    const outsider = await b.storage.createUser(user('many_outsider'));
    const c = community(owner.id);
    await b.storage.createCommunity(c);
    // Members 0–79 of the community; 80–89 banned; 90–99 share only a DM (accepted or pending).
    for (const p of people.slice(0, 90)) await b.storage.addMember({ communityId: c.community.id, userId: p.id, role: 'member', joinedAt: 1, timedOutUntil: null });
    for (const p of people.slice(80, 90)) await b.storage.banMember({ communityId: c.community.id, userId: p.id, reason: 'x', bannedBy: owner.id, createdAt: 2, expiresAt: null });
    for (const [k, p] of people.slice(90).entries()) {
      const dm: Channel = { id: id('mdm'), communityId: null, groupId: null, kind: 'dm', name: '', position: 0, createdAt: 5, archivedAt: null, slowModeSeconds: 0, iconId: null, accent: null, callCap: null, disappearSeconds: null };
      await b.storage.createDirectChannel(dm, [owner.id, p.id], 5, k % 2 === 0 ? [] : [p.id]);
    }
    const role = await b.storage.createRole({ id: id('r'), communityId: c.community.id, name: 'helpers', permissions: 8, position: 1 });
    const role2 = await b.storage.createRole({ id: id('r'), communityId: c.community.id, name: 'quiet', permissions: 0, position: 2 });
    for (const p of people.slice(0, 60)) await b.storage.assignRole(c.community.id, p.id, role.id);
    await b.storage.assignRole(c.community.id, people[3]!.id, role2.id);
    await b.storage.setChannelOverride({ channelId: c.channel.id, targetType: 'role', targetId: role.id, allow: 0, deny: 2 });
    const g = await b.storage.createGroup({ id: id('pg'), communityId: c.community.id, name: 'Studio', position: 1, createdAt: 3, ownerUserId: people[0]!.id, privateAt: 1_700_000_000_000 });
    const studio: Channel = { id: id('ch'), communityId: c.community.id, groupId: g.id, kind: 'text', name: 'studio', position: 1, createdAt: 4, archivedAt: null, slowModeSeconds: 0, iconId: null, accent: null, callCap: null, disappearSeconds: null };
    await b.storage.createChannel(studio);
    for (const p of people.slice(1, 50)) await b.storage.addGroupMember(g.id, p.id, 5);
    const everyone = [owner, ...people, outsider].map((u) => u.id);

    // Who shares something with the owner: the members and the accepted DMs, not the banned, the pending or the stranger.
    const expectShared = new Set<string>();
    for (const u of everyone.slice(1)) {
      const [cs, ds, mine, myDms] = await Promise.all([b.storage.listCommunitiesForUser(u), b.storage.listDirectChannels(u), b.storage.listCommunitiesForUser(owner.id), b.storage.listDirectChannels(owner.id)]);
      if (cs.some((x) => mine.some((m) => m.id === x.id)) || ds.some((x) => myDms.some((m) => m.id === x.id))) expectShared.add(u);
    }
    expect(expectShared.size).toBe(85);
    expect(new Set(await b.storage.sharedWith(owner.id, everyone.slice(1)))).toEqual(expectShared);
    expect(await b.storage.sharedWith(outsider.id, everyone)).toEqual([]);

    const byRoles = (a: { customRoles: { id: string }[] } | null | undefined) => a && { ...a, customRoles: [...a.customRoles].sort((x, y) => x.id.localeCompare(y.id)) };
    for (const ch of [c.channel, studio]) {
      const many = new Map(await b.storage.channelAccessMany(ch.id, everyone));
      expect(many.size).toBe(everyone.length);
      for (const u of everyone) expect(byRoles(many.get(u))).toEqual(byRoles(await b.storage.channelAccess(ch.id, u)));
    }
    const dm = (await b.storage.listDirectChannels(owner.id))[0]!;
    const inDm = new Map(await b.storage.channelAccessMany(dm.id, [owner.id, people[90]!.id, outsider.id]));
    for (const u of [owner.id, people[90]!.id, outsider.id]) expect(inDm.get(u)).toEqual(await b.storage.channelAccess(dm.id, u));
    expect(await b.storage.channelAccessMany('no-such-channel', everyone)).toEqual([]);

    const users = await b.storage.getUsersByIds([...everyone, 'nobody', owner.id]);
    expect(users.map((u) => u.id).sort()).toEqual([...everyone].sort());
    expect(users.find((u) => u.id === owner.id)).toEqual(await b.storage.getUserById(owner.id));

    // Devices, device lists and one-time prekeys of many users at once.
    const devices = [];
    for (const p of people.slice(0, 60)) {
      for (const k of [1, 2]) {
        const d = await b.storage.addDevice({ id: id('d'), userId: p.id, name: 'phone', identityKey: `ik-${p.id}-${k}`, createdAt: k, lastSeenAt: k, signedPreKey: null, kyberPreKey: null });
        devices.push(d);
        await b.storage.addOneTimePreKeys(d.id, [7, 3].map((keyId) => ({ keyId, publicKey: `opk-${d.id}-${keyId}` })));
      }
      await b.storage.putDeviceList({ userId: p.id, version: 1, list: `list-${p.id}`, updatedAt: 1 });
    }
    const listed = await b.storage.listDevicesOf([...people.slice(0, 61).map((p) => p.id), 'nobody']);
    const expected = (await Promise.all(people.slice(0, 61).map((p) => b.storage.listDevices(p.id)))).flat();
    expect(listed.length).toBe(120);
    expect([...listed].sort((x, y) => x.id.localeCompare(y.id))).toEqual([...expected].sort((x, y) => x.id.localeCompare(y.id)));
    const lists = await b.storage.getDeviceLists(people.slice(0, 70).map((p) => p.id));
    expect(lists.length).toBe(60);
    expect(lists.find((l) => l.userId === people[5]!.id)).toEqual(await b.storage.getDeviceList(people[5]!.id));

    // Each device's lowest key first, then the next; one claimed alone in between is not handed out again.
    const ids = devices.map((d) => d.id);
    expect(await b.storage.claimOneTimePreKey(ids[0]!)).toEqual({ keyId: 3, publicKey: `opk-${ids[0]}-3` });
    const first = new Map(await b.storage.claimOneTimePreKeys([...ids, 'no-device']));
    expect(first.size).toBe(120);
    expect(first.get(ids[0]!)).toEqual({ keyId: 7, publicKey: `opk-${ids[0]}-7` });
    expect(first.get(ids[1]!)).toEqual({ keyId: 3, publicKey: `opk-${ids[1]}-3` });
    // Batch claims racing each other and single claims: every key out exactly once.
    const raced = await Promise.all([b.storage.claimOneTimePreKeys(ids).then((r) => new Map(r)), b.storage.claimOneTimePreKeys(ids).then((r) => new Map(r)), ...ids.slice(0, 20).map((d) => b.storage.claimOneTimePreKey(d))]);
    const handed = [
      ...[...first].map(([d, k]) => `${d}:${k.keyId}`),
      `${ids[0]}:3`,
      ...(raced.slice(0, 2) as Map<string, { keyId: number }>[]).flatMap((m) => [...m].map(([d, k]) => `${d}:${k.keyId}`)),
      ...(raced.slice(2) as ({ keyId: number } | null)[]).flatMap((k, i) => (k ? [`${ids[i]}:${k.keyId}`] : [])),
    ];
    expect(new Set(handed).size).toBe(handed.length);
    expect(handed.length).toBe(240);
    expect(await b.storage.claimOneTimePreKeys(ids)).toEqual([]);
  });

  it('#16 reports: created, listed per queue and community, newest first, open or closed; only an open report changes; counted per reporter; gone with their community unless escalated', async () => {
    const owner = await b.storage.createUser(user('report_owner'));
    const c = community(owner.id);
    await b.storage.createCommunity(c);
    const base = { reporterId: owner.id, kind: 'message' as const, channelId: c.channel.id, seq: 3, messageSeq: 2, accusedId: 'someone', reason: 'spam', comment: '', disclosed: '{"v":1,"text":"x"}', verdict: 'verified' as const, messageTs: 99, status: 'open' as const, resolution: null, resolvedBy: null, resolvedAt: null };
    const a = await b.storage.createReport({ ...base, id: id('r'), queue: 'community', communityId: c.community.id, createdAt: 10 });
    const bb = await b.storage.createReport({ ...base, id: id('r'), queue: 'community', communityId: c.community.id, createdAt: 20 });
    const inst = await b.storage.createReport({ ...base, id: id('r'), kind: 'user', queue: 'instance', communityId: null, channelId: null, seq: null, messageSeq: null, disclosed: null, verdict: null, messageTs: null, createdAt: 30 });
    expect(await b.storage.getReport(a.id)).toEqual(a);
    expect((await b.storage.listReports({ queue: 'community', communityId: c.community.id, open: true, limit: 10 })).map((r) => r.id)).toEqual([bb.id, a.id]);
    expect((await b.storage.listReports({ queue: 'community', communityId: c.community.id, open: true, before: 20, limit: 10 })).map((r) => r.id)).toEqual([a.id]);
    expect((await b.storage.listReports({ queue: 'instance', open: true, limit: 100 })).map((r) => r.id)).toContain(inst.id);
    expect(await b.storage.countOpenReports(owner.id)).toBe(3);
    const closed = await b.storage.updateOpenReport(a.id, { status: 'dismissed', resolution: 'dismiss', resolvedBy: owner.id, resolvedAt: 40 });
    expect(closed).toMatchObject({ status: 'dismissed', resolution: 'dismiss', resolvedAt: 40 });
    expect(await b.storage.updateOpenReport(a.id, { status: 'actioned' })).toBeNull();
    expect((await b.storage.listReports({ queue: 'community', communityId: c.community.id, open: false, limit: 10 })).map((r) => r.id)).toEqual([a.id]);
    expect(await b.storage.updateOpenReport(bb.id, { queue: 'instance' })).toMatchObject({ queue: 'instance', status: 'open' });
    expect(await b.storage.countOpenReports(owner.id)).toBe(2);
    await b.storage.deleteCommunity(c.community.id);
    expect(await b.storage.getReport(a.id)).toBeNull();
    expect(await b.storage.getReport(bb.id)).toMatchObject({ queue: 'instance' });
  });

  it('#16 warnings, the automatic-timeout policy and the theme; blocks either way, listed, idempotent, gone with the account', async () => {
    const owner = await b.storage.createUser(user('warn_owner'));
    const c = community(owner.id);
    await b.storage.createCommunity(c);
    const w = (communityId: string | null, createdAt: number) => b.storage.addWarning({ id: id('w'), communityId, userId: 'warned', moderatorId: owner.id, reason: `r${createdAt}`, reportId: null, createdAt });
    await w(c.community.id, 1);
    await w(c.community.id, 2);
    await w(null, 3);
    expect((await b.storage.listWarnings('warned', c.community.id)).map((x) => x.reason)).toEqual(['r2', 'r1']);
    expect((await b.storage.listWarnings('warned', null)).map((x) => x.reason)).toEqual(['r3']);
    expect((await b.storage.listWarnings('warned')).map((x) => x.reason)).toEqual(['r3', 'r2', 'r1']);
    expect(await b.storage.getCommunityModeration(c.community.id)).toEqual({ warnThreshold: null, warnTimeoutSeconds: null });
    await b.storage.setCommunityModeration(c.community.id, { warnThreshold: 3, warnTimeoutSeconds: 600 });
    expect(await b.storage.getCommunityModeration(c.community.id)).toEqual({ warnThreshold: 3, warnTimeoutSeconds: 600 });
    expect(await b.storage.getCommunityTheme(c.community.id)).toEqual({ source: null, css: null });
    await b.storage.setCommunityTheme(c.community.id, { source: ':root{color:red}', css: '[x]{color:red}' });
    expect(await b.storage.getCommunityTheme(c.community.id)).toEqual({ source: ':root{color:red}', css: '[x]{color:red}' });

    const [x, y, z] = await Promise.all(['blocker', 'blockee', 'bystander'].map((n) => b.storage.createUser(user(n))));
    await b.storage.block(x!.id, y!.id, 5);
    await b.storage.block(x!.id, y!.id, 6);
    expect(await b.storage.listBlocks(x!.id)).toEqual([{ userId: y!.id, createdAt: 5 }]);
    expect(await b.storage.blockedEitherWay(x!.id, [y!.id, z!.id])).toEqual([y!.id]);
    expect(await b.storage.blockedEitherWay(y!.id, [x!.id, z!.id])).toEqual([x!.id]);
    expect(await b.storage.blockedEitherWay(z!.id, [x!.id, y!.id])).toEqual([]);
    expect(await b.storage.unblock(y!.id, x!.id)).toBe(false);
    expect(await b.storage.unblock(x!.id, y!.id)).toBe(true);
    // Announcements: active ones, minus those a user dismissed; deleting takes its dismissals along.
    const ann = (text: string, createdAt: number, endsAt: number | null) => b.storage.createAnnouncement({ id: id('an'), text, severity: 'info', createdBy: x!.id, createdAt, endsAt });
    const a1 = await ann('one', 100, null);
    const a2 = await ann('two', 200, 500);
    const mine = async (now: number) => (await b.storage.listAnnouncements({ now, userId: x!.id, limit: 100 })).filter((a) => [a1.id, a2.id].includes(a.id)).map((a) => a.text);
    expect(await mine(300)).toEqual(['two', 'one']);
    expect(await mine(600)).toEqual(['one']);
    expect(await b.storage.dismissAnnouncement(a1.id, x!.id)).toBe(true);
    expect(await b.storage.dismissAnnouncement(a1.id, x!.id)).toBe(true);
    expect(await b.storage.dismissAnnouncement('nope', x!.id)).toBe(false);
    expect(await mine(300)).toEqual(['two']);
    expect((await b.storage.listAnnouncements({ now: 300, userId: z!.id, limit: 100 })).map((a) => a.id)).toEqual(expect.arrayContaining([a1.id, a2.id]));
    expect(await b.storage.deleteAnnouncement(a1.id)).toBe(true);
    expect(await b.storage.deleteAnnouncement(a1.id)).toBe(false);
    // Settings and feedback.
    expect(await b.storage.getSetting('registration_mode')).toBeNull();
    await b.storage.setSetting('registration_mode', 'closed');
    await b.storage.setSetting('registration_mode', 'open');
    expect(await b.storage.getSetting('registration_mode')).toBe('open');
    const fb = (text: string, createdAt: number) => b.storage.createFeedback({ id: id('fb'), userId: x!.id, kind: 'bug', text, status: 'open', createdAt, closedAt: null, closedBy: null });
    const f1 = await fb('first', 10);
    await fb('second', 20);
    expect(await b.storage.countOpenFeedback(x!.id)).toBe(2);
    expect(await b.storage.closeFeedback(f1.id, z!.id, 30)).toBe(true);
    expect(await b.storage.closeFeedback(f1.id, z!.id, 31)).toBe(false);
    expect(await b.storage.countOpenFeedback(x!.id)).toBe(1);
    expect((await b.storage.listFeedback({ open: false, limit: 100 })).find((f) => f.id === f1.id)).toMatchObject({ status: 'closed', closedAt: 30, closedBy: z!.id });
    await b.storage.block(x!.id, y!.id, 7);
    await b.storage.deleteUser(y!.id);
    expect(await b.storage.listBlocks(x!.id)).toEqual([]);
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
    // Events in the same millisecond are paged by id, never skipped or repeated.
    const same = id('same_ms');
    for (let i = 0; i < 5; i++) await b.storage.appendAudit({ id: `${same}_${i}`, event: 'login', userId: same, ip: '', userAgent: '', detail: '{}', createdAt: 2000 });
    const pages: string[] = [];
    let cursor: { before?: number; beforeId?: string } = {};
    for (;;) {
      const page = await b.storage.listAudit({ userId: same, limit: 2, ...cursor });
      if (page.length === 0) break;
      pages.push(...page.map((e) => e.id));
      cursor = { before: page[page.length - 1]!.createdAt, beforeId: page[page.length - 1]!.id };
    }
    expect(pages).toEqual([4, 3, 2, 1, 0].map((i) => `${same}_${i}`));
  });
});

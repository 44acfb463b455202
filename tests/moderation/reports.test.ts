/**
 * Issue #16 items 1–2 on the real server and real PostgreSQL: verifiable reports (message
 * franking), the review queues, their actions, and warnings.
 *
 * Messages here are franked exactly as the client franks them (protocol/franking.ts): the
 * plaintext carries a fresh franking key and the send carries its commitment; the ciphertext is
 * opaque bytes, since the server never decrypts anything. What a report proves is decided by
 * the server's own tag, which only the room that accepted the envelope could have made.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join as joinPath } from 'node:path';
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { commitment, newFrankingKey } from '../../protocol/franking';
import type { EnvelopeOut } from '../../protocol/frames';
import { MAX_OPEN_REPORTS_PER_USER } from '../../protocol/reports';
import { openChannel, registerUser, type TestUser } from '../helpers/accounts';
import { startServer, type RunningServer } from '../helpers/server';
import type { TestSocket } from '../helpers/socket';
import { createDatabase } from '../setup/postgres';
import { api, community, join, setRole, uploadTinyFile, uname } from '../communities/fixture';

let server: RunningServer;
let databaseUrl: string;
let owner: TestUser;
let bob: TestUser;
let carol: TestUser;
let mod: TestUser;
let outsider: TestUser;
let otherMod: TestUser;
let c: Awaited<ReturnType<typeof community>>;
let other: Awaited<ReturnType<typeof community>>;

beforeAll(async () => {
  databaseUrl = await createDatabase(inject('postgresUrl'));
  server = await startServer({ env: { REGISTRATION_MODE: 'open', DATABASE_URL: databaseUrl } });
  owner = await registerUser(server, uname('op'));
  [bob, carol, mod, outsider, otherMod] = (await Promise.all(['bob', 'carol', 'mod', 'outsider', 'othermod'].map((n) => registerUser(server, uname(n))))) as [TestUser, TestUser, TestUser, TestUser, TestUser];
  c = await community(server, owner);
  await join(server, owner, c.id, [bob, carol, mod]);
  await setRole(server, owner, c.id, mod, 'moderator');
  other = await community(server, owner, 'Other community');
  await join(server, owner, other.id, [otherMod]);
  await setRole(server, owner, other.id, otherMod, 'moderator');
}, 120_000);
afterAll(async () => {
  await server?.kill();
});

type Envelope = EnvelopeOut & { type: 'envelope' };

/** Sends a franked message as the client does; returns the envelope as `reader` received it and the plaintext. */
async function franked(sender: TestSocket, reader: TestSocket, text: string): Promise<{ envelope: Envelope; plaintext: string }> {
  const fk = newFrankingKey();
  const plaintext = JSON.stringify({ v: 1, text, fk });
  const id = `m-${randomBytes(6).toString('hex')}`;
  // Opaque bytes: the server relays, it never decrypts.
  sender.send({ type: 'send', clientMsgId: id, ciphertext: randomBytes(48).toString('base64'), franking: commitment(fk, new TextEncoder().encode(plaintext)) });
  const envelope = await reader.next<Envelope>((f) => f.type === 'envelope' && (f as Envelope).clientMsgId === id);
  return { envelope, plaintext };
}

const disclosure = (e: Envelope, plaintext: string) => ({ plaintext, sender: e.sender, ts: e.ts, franking: e.franking, frankTag: e.frankTag });

async function ready(user: TestUser, channelId: string): Promise<TestSocket> {
  const s = await openChannel(server, user, channelId);
  s.send({ type: 'hello', lastSeq: 0 });
  await s.next((f) => f.type === 'ready');
  return s;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = joinPath(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** The PostgreSQL tables and data-directory files holding `needle`. */
async function whereStored(needle: string): Promise<string[]> {
  const found = filesUnder(server.dataDir).filter((f) => readFileSync(f).toString('latin1').includes(needle));
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => undefined });
  for (const { tablename } of await sql`SELECT tablename FROM pg_tables WHERE schemaname = 'public'`) {
    if (JSON.stringify(await sql.unsafe(`SELECT * FROM "${tablename}"`)).includes(needle)) found.push(`table ${tablename}`);
  }
  await sql.end();
  return found;
}

describe('reports (issue #16 item 1)', () => {
  it('16.1 M1: a genuine report verifies; altered text, a swapped sender, a commitment replayed from another conversation or a forged tag are detected; nothing is disclosed before the report, and after it only the reported text, in the report', async () => {
    const bobSocket = await ready(bob, c.channelId);
    const carolSocket = await ready(carol, c.channelId);
    const reported = `REPORTED-${randomBytes(8).toString('hex')}`;
    const kept = `UNREPORTED-${randomBytes(8).toString('hex')}`;
    const { envelope, plaintext } = await franked(bobSocket, carolSocket, `you are all ${reported}`);
    await franked(bobSocket, carolSocket, kept);
    // Every accepted message carries the commitment and the room's 128-bit tag.
    expect(envelope.franking).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(envelope.frankTag).toMatch(/^[A-Za-z0-9_-]{22}$/);
    // A message or edit without a commitment is refused: nothing unreportable gets in.
    bobSocket.send({ type: 'send', clientMsgId: 'no-franking-1', ciphertext: 'QUFB' });
    expect((await bobSocket.next<{ error: { code: string; message: string } }>((f) => f.type === 'error' && f.error.ref === 'no-franking-1')).error.code).toBe('validation_failed');
    expect(await whereStored(reported)).toEqual([]);

    const report = (body: object) => api(server, carol, 'POST', '/api/reports', { kind: 'message', channelId: c.channelId, seq: envelope.seq, reason: 'harassment', ...body });
    const genuine = await report({ comment: 'not ok', disclosure: disclosure(envelope, plaintext) });
    expect(genuine.status, JSON.stringify(genuine.body)).toBe(201);
    expect(genuine.body.verdict).toBe('verified');

    const edited = plaintext.replace('you are all', 'I will hurt');
    expect((await report({ disclosure: disclosure(envelope, edited) })).body.verdict).toBe('altered');
    expect((await report({ disclosure: { ...disclosure(envelope, plaintext), sender: mod.id } })).body.verdict).toBe('forged');
    expect((await report({ disclosure: { ...disclosure(envelope, plaintext), ts: envelope.ts + 1 } })).body.verdict).toBe('forged');
    expect((await report({ seq: envelope.seq + 1, disclosure: disclosure(envelope, plaintext) })).body.verdict).toBe('forged');
    expect((await report({ disclosure: { ...disclosure(envelope, plaintext), frankTag: randomBytes(16).toString('base64url') } })).body.verdict).toBe('forged');
    // The same message's commitment and tag, claimed to come from another conversation.
    const dm = await api(server, carol, 'POST', '/api/dms', { userIds: [bob.id] });
    const inDm = await api(server, carol, 'POST', '/api/reports', { kind: 'message', channelId: dm.body.channel.id, seq: envelope.seq, reason: 'spam', disclosure: disclosure(envelope, plaintext) });
    expect(inDm.body.verdict).toBe('forged');
    // A message from before franking (no commitment) cannot be proven either way.
    const { franking: _f, frankTag: _t, ...bare } = disclosure(envelope, plaintext);
    expect((await report({ disclosure: bare })).body.verdict).toBe('unverifiable');

    // The reported text is stored in the reports table only; the message nobody reported, nowhere.
    expect(await whereStored(reported)).toEqual(['table reports']);
    expect(await whereStored(kept)).toEqual([]);

    // The community's moderators see it with what franking proved; the DM's report went to the admins.
    const queue = await api(server, mod, 'GET', `/api/communities/${c.id}/reports`);
    expect(queue.status).toBe(200);
    const mine = queue.body.reports.find((r: { id: string }) => r.id === genuine.body.id);
    expect(mine).toMatchObject({ kind: 'message', queue: 'community', reason: 'harassment', comment: 'not ok', accused: { id: bob.id }, reporter: { id: carol.id }, message: { text: `you are all ${reported}`, verdict: 'verified' } });
    expect(queue.body.reports.map((r: { message: { verdict: string } }) => r.message.verdict).sort()).toEqual(['altered', 'forged', 'forged', 'forged', 'forged', 'unverifiable', 'verified']);
    const admins = await api(server, owner, 'GET', '/api/admin/reports');
    expect(admins.body.reports.map((r: { channelId: string }) => r.channelId)).toEqual([dm.body.channel.id]);
    bobSocket.close();
    carolSocket.close();
  });

  it('Z1 for reports: strangers, banned members and the moderators of another community learn nothing; members cannot review; nobody reports their own message; the open-report cap holds', async () => {
    const bobSocket = await ready(bob, c.channelId);
    const carolSocket = await ready(carol, c.channelId);
    const { envelope, plaintext } = await franked(bobSocket, carolSocket, 'hello there');
    const body = { kind: 'message', channelId: c.channelId, seq: envelope.seq, reason: 'spam', disclosure: disclosure(envelope, plaintext) };
    expect((await api(server, outsider, 'POST', '/api/reports', body)).status).toBe(404);
    expect((await api(server, bob, 'POST', '/api/reports', body)).status).toBe(403);
    expect((await api(server, null, 'POST', '/api/reports', body)).status).toBe(401);
    expect((await api(server, carol, 'POST', '/api/reports', { ...body, disclosure: { ...body.disclosure, plaintext: 'x'.repeat(50_000) } })).body.error.code).toBe('validation_failed');
    const filed = await api(server, carol, 'POST', '/api/reports', body);
    expect(filed.status).toBe(201);

    for (const who of [carol, outsider, otherMod]) {
      expect((await api(server, who, 'GET', `/api/reports/${filed.body.id}`)).status, who.username).toBe(404);
      expect((await api(server, who, 'POST', `/api/reports/${filed.body.id}/resolve`, { action: 'dismiss' })).status, who.username).toBe(404);
    }
    expect((await api(server, carol, 'GET', `/api/communities/${c.id}/reports`)).status).toBe(403);
    expect((await api(server, otherMod, 'GET', `/api/communities/${c.id}/reports`)).status).toBe(404);
    expect((await api(server, carol, 'GET', '/api/admin/reports')).status).toBe(403);
    // A moderator cannot use the instance's actions, nor act on someone above them.
    expect((await api(server, mod, 'POST', `/api/reports/${filed.body.id}/resolve`, { action: 'quarantine' })).body.error.code).toBe('validation_failed');

    // A banned member can no longer read the channel, so cannot report in it.
    const banned = await registerUser(server, uname('banned'));
    await join(server, owner, c.id, [banned]);
    expect((await api(server, mod, 'POST', `/api/communities/${c.id}/bans`, { userId: banned.id })).status).toBe(201);
    expect((await api(server, banned, 'POST', '/api/reports', body)).status).toBe(404);

    // At most MAX_OPEN_REPORTS_PER_USER open reports per account.
    const spammer = await registerUser(server, uname('spammer'));
    for (let i = 0; i < MAX_OPEN_REPORTS_PER_USER; i++) expect((await api(server, spammer, 'POST', '/api/reports', { kind: 'user', userId: bob.id, reason: 'spam' })).status).toBe(201);
    const over = await api(server, spammer, 'POST', '/api/reports', { kind: 'user', userId: bob.id, reason: 'spam' });
    expect(over.body.error.code).toBe('quota_exceeded');
    bobSocket.close();
    carolSocket.close();
  });

  it('16.1 actions: a moderator deletes the reported message (a tombstone everyone sees), a resolved report cannot be resolved again, an escalated one moves to the admins, who can quarantine; each is audited', async () => {
    const bobSocket = await ready(bob, c.channelId);
    const carolSocket = await ready(carol, c.channelId);
    const { envelope, plaintext } = await franked(bobSocket, carolSocket, 'buy cheap pills');
    const filed = await api(server, carol, 'POST', '/api/reports', { kind: 'message', channelId: c.channelId, seq: envelope.seq, reason: 'spam', disclosure: disclosure(envelope, plaintext) });
    const done = await api(server, mod, 'POST', `/api/reports/${filed.body.id}/resolve`, { action: 'delete' });
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    expect(done.body.report).toMatchObject({ status: 'actioned', resolution: 'delete', resolvedBy: mod.id });
    const tombstone = await carolSocket.next<Envelope>((f) => f.type === 'envelope' && (f as Envelope).kind === 'delete' && (f as Envelope).target === envelope.seq);
    expect(tombstone.sender).toBe(mod.id);
    const history = await ready(carol, c.channelId);
    await history.next((f) => f.type === 'envelope' && (f as Envelope).seq === envelope.seq);
    expect(history.frames.find((f) => f.type === 'envelope' && (f as Envelope).seq === envelope.seq)).toMatchObject({ deleted: true, ciphertext: '' });
    expect((await api(server, mod, 'POST', `/api/reports/${filed.body.id}/resolve`, { action: 'dismiss' })).status).toBe(409);

    const second = await franked(bobSocket, carolSocket, 'scam link');
    const escalated = await api(server, carol, 'POST', '/api/reports', { kind: 'message', channelId: c.channelId, seq: second.envelope.seq, reason: 'illegal', disclosure: disclosure(second.envelope, second.plaintext) });
    expect((await api(server, mod, 'POST', `/api/reports/${escalated.body.id}/resolve`, { action: 'escalate' })).body.report).toMatchObject({ queue: 'instance', status: 'open' });
    expect((await api(server, mod, 'GET', `/api/reports/${escalated.body.id}`)).status).toBe(404);
    expect((await api(server, owner, 'GET', '/api/admin/reports')).body.reports.some((r: { id: string }) => r.id === escalated.body.id)).toBe(true);
    const held = await api(server, owner, 'POST', `/api/reports/${escalated.body.id}/resolve`, { action: 'quarantine', note: 'Scam links' });
    expect(held.body.report).toMatchObject({ status: 'actioned', resolution: 'quarantine' });
    expect((await api(server, bob, 'GET', '/api/me')).body.quarantine).toMatchObject({ reason: 'Scam links' });
    expect((await api(server, owner, 'DELETE', `/api/admin/users/${bob.id}/quarantine`)).status).toBe(204);

    const audit = await api(server, owner, 'GET', '/api/admin/audit?event=report_resolved&limit=10');
    expect(audit.body.events.map((e: { detail: { action: string } }) => e.detail.action)).toEqual(expect.arrayContaining(['delete', 'escalate', 'quarantine']));
    const removed = await api(server, owner, 'GET', '/api/admin/audit?event=message_removed&limit=10');
    expect(removed.body.events.some((e: { userId: string; detail: { seq: number } }) => e.userId === mod.id && e.detail.seq === envelope.seq)).toBe(true);
    for (const s of [bobSocket, carolSocket, history]) s.close();
  });

  it("16.1 actions: deleting a reported message deletes the files it names that its sender uploaded there, only when franking verified the disclosure; never another file, nor another uploader's", async () => {
    const bobSocket = await ready(bob, c.channelId);
    const carolSocket = await ready(carol, c.channelId);
    const upload = (who: TestUser) => uploadTinyFile(server, who, c.channelId);
    const status = async (id: string) => (await fetch(`${server.url}/api/files/${id}/content`, { headers: { Authorization: `Bearer ${carol.accessToken}` } })).status;
    const ref = (id: string) => ({ id, key: 'k'.repeat(43), name: 'x.bin', type: 'application/octet-stream', size: 4 });
    /** A franked message whose body names `fileIds`, as the client seals one with attachments. */
    const withFiles = async (fileIds: string[]) => {
      const fk = newFrankingKey();
      const plaintext = JSON.stringify({ v: 1, text: 'look', files: fileIds.map(ref), fk });
      const id = `m-${randomBytes(6).toString('hex')}`;
      bobSocket.send({ type: 'send', clientMsgId: id, ciphertext: randomBytes(48).toString('base64'), franking: commitment(fk, new TextEncoder().encode(plaintext)) });
      const envelope = await carolSocket.next<Envelope>((f) => f.type === 'envelope' && (f as Envelope).clientMsgId === id);
      return { envelope, plaintext };
    };
    const fileReport = async (e: Envelope, plaintext: string) =>
      (await api(server, carol, 'POST', '/api/reports', { kind: 'message', channelId: c.channelId, seq: e.seq, reason: 'spam', disclosure: disclosure(e, plaintext) })).body as { id: string; verdict: string };
    const remove = async (reportId: string) => expect((await api(server, mod, 'POST', `/api/reports/${reportId}/resolve`, { action: 'delete' })).status).toBe(200);

    // Bob's message names his own file and Carol's: only his goes; his other file stays.
    const [named, unnamed, carols] = [await upload(bob), await upload(bob), await upload(carol)];
    const genuine = await withFiles([named, carols]);
    const filed = await fileReport(genuine.envelope, genuine.plaintext);
    expect(filed.verdict).toBe('verified');
    await remove(filed.id);
    expect([await status(named), await status(unnamed), await status(carols)]).toEqual([404, 200, 200]);

    // A reporter who alters the disclosure to name another of Bob's files deletes nothing.
    const plain = await withFiles([]);
    const altered = await fileReport(plain.envelope, JSON.stringify({ v: 1, text: 'look', files: [ref(unnamed)], fk: newFrankingKey() }));
    expect(altered.verdict).not.toBe('verified');
    await remove(altered.id);
    expect(await status(unnamed)).toBe(200);
    for (const s of [bobSocket, carolSocket]) s.close();
  });
});

describe('warnings (issue #16 item 2)', () => {
  it('16.2: a moderator warns a member who sees it; moderators read the history; the community times the member out at its threshold; members cannot warn', async () => {
    expect((await api(server, mod, 'PUT', `/api/communities/${c.id}/moderation`, { warnThreshold: 2, warnTimeoutSeconds: 600 })).status).toBe(403);
    expect((await api(server, owner, 'PUT', `/api/communities/${c.id}/moderation`, { warnThreshold: 2, warnTimeoutSeconds: 600 })).status).toBe(200);
    expect((await api(server, mod, 'GET', `/api/communities/${c.id}/moderation`)).body).toEqual({ warnThreshold: 2, warnTimeoutSeconds: 600 });

    expect((await api(server, carol, 'POST', `/api/communities/${c.id}/members/${bob.id}/warnings`, { reason: 'no' })).status).toBe(403);
    expect((await api(server, bob, 'POST', `/api/communities/${c.id}/members/${mod.id}/warnings`, { reason: 'no' })).status).toBe(403);
    expect((await api(server, otherMod, 'POST', `/api/communities/${c.id}/members/${bob.id}/warnings`, { reason: 'no' })).status).toBe(404);
    expect((await api(server, mod, 'POST', `/api/communities/${c.id}/members/${owner.id}/warnings`, { reason: 'no' })).status).toBe(403);
    const first = await api(server, mod, 'POST', `/api/communities/${c.id}/members/${bob.id}/warnings`, { reason: 'Keep it civil' });
    expect(first.status).toBe(201);
    expect((await api(server, bob, 'GET', '/api/me/warnings')).body.warnings).toEqual([expect.objectContaining({ reason: 'Keep it civil', communityId: c.id, communityName: 'Test community' })]);
    expect((await api(server, bob, 'GET', '/api/me/warnings')).body.warnings[0].moderatorId).toBeUndefined();
    const members = async () => (await api(server, owner, 'GET', `/api/communities/${c.id}/members`)).body.members.find((m: { userId: string }) => m.userId === bob.id);
    expect((await members()).timedOutUntil).toBeNull();

    await api(server, mod, 'POST', `/api/communities/${c.id}/members/${bob.id}/warnings`, { reason: 'Second time' });
    const until = (await members()).timedOutUntil;
    expect(until).toBeGreaterThan(Date.now() + 500_000);
    const history = await api(server, mod, 'GET', `/api/communities/${c.id}/members/${bob.id}/warnings`);
    expect(history.body.warnings.map((w: { reason: string }) => w.reason)).toEqual(['Second time', 'Keep it civil']);
    expect((await api(server, carol, 'GET', `/api/communities/${c.id}/members/${bob.id}/warnings`)).status).toBe(403);
    const audit = await api(server, owner, 'GET', '/api/admin/audit?event=member_timed_out&limit=5');
    expect(audit.body.events[0].detail).toMatchObject({ targetId: bob.id, automatic: true, warnings: 2 });

    // A timed-out member cannot send: the automatic timeout reached the room.
    const s = await ready(bob, c.channelId);
    s.send({ type: 'send', clientMsgId: 'while-timed-out', ciphertext: 'QUFB', franking: 'A'.repeat(43) });
    expect((await s.next<{ error: { code: string } }>((f) => f.type === 'error' && f.error.ref === 'while-timed-out')).error.code).toBe('forbidden');
    s.close();
  });
});

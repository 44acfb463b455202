/**
 * Issue #19 item 4 against the real server: `npm run migrate-store -- --to <url>` moves an
 * instance from the embedded store to PostgreSQL.
 * - The fixture: an instance on the embedded store with two accounts registered through the API
 *   (devices, sessions, a community and its channel, an invite, audit entries) and 100,000
 *   envelopes sent over the channel socket; then, with the server stopped, 1,000 more accounts
 *   and their memberships written into its store through the product's own storage code (a
 *   thousand registrations would cost a thousand Argon2 hashes; these share one real hash).
 * - Refused: while the server runs, with a target URL that is not PostgreSQL's, and into a
 *   database that already holds rows (exit code 2, nothing written).
 * - Migrated: every table's rows counted and checksummed on both sides (the tool's own check);
 *   here, independently, the accounts and memberships read from PostgreSQL equal the store's.
 * - Restarted with DATABASE_URL on the same DATA_DIR: the server says it stores in PostgreSQL;
 *   the owner and an imported account sign in with their passwords; the old session's token
 *   still works; the community lists 1,002 members; the channel's history is all 100,000
 *   envelopes, byte for byte at both ends, and the next message gets seq 100,001.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openInstanceStore } from '../contract/backends';
import { call, createCommunity, joinCommunity, openChannel, registerUser, TEST_PASSWORD, type TestUser } from '../helpers/accounts';
import { fill, historyPage } from '../helpers/channelHistory';
import { FRANKING } from '../helpers/franking';
import { startServer, type RunningServer } from '../helpers/server';
import { createDatabase } from '../setup/postgres';

const ROOT = join(__dirname, '..', '..');
const ENVELOPES = 100_000;
const IMPORTED = 1_000;

let server: RunningServer | undefined;
let owner: TestUser;
let member: TestUser;
let communityId: string;
let channelId: string;
let dataDir: string;
const ciphertextOf = (i: number) => Buffer.from(`sealed ${i} ${'y'.repeat(40)}`).toString('base64');

function migrateStore(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(ROOT, 'selfhost/migrateStore.mjs'), ...args], { cwd: ROOT, env: { ...process.env, DATA_DIR: dataDir, CHATALOT_SKIP_BUILD: '1', ...env }, timeout: 600_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

beforeAll(async () => {
  server = await startServer({ env: { REGISTRATION_MODE: 'open' } });
  dataDir = server.dataDir;
  owner = await registerUser(server, 'move_owner');
  member = await registerUser(server, 'move_member');
  ({ communityId, channelId } = await createCommunity(server, owner, 'Moving house'));
  await joinCommunity(server, owner, communityId, [member]);
  const socket = await openChannel(server, owner, channelId);
  await fill(socket, ENVELOPES, ciphertextOf);
  socket.ws.close();
}, 600_000);

afterAll(async () => {
  await server?.kill();
});

describe('npm run migrate-store', () => {
  let target: string;

  it('19.4: refuses while the server runs, and a target that is not a PostgreSQL URL', async () => {
    const running = await migrateStore(['--to', 'postgres://postgres@127.0.0.1:5432/anything']);
    expect(running.code, running.stderr).toBe(2);
    expect(running.stderr).toMatch(/the server is running .* stop it first/);
    await server!.stop();
    const bad = await migrateStore(['--to', 'mysql://somewhere/db']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--to must start with postgres:\/\//);
    const none = await migrateStore([]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/usage: npm run migrate-store -- --to/);
  }, 120_000);

  it('19.4: copies 1,002 accounts and everything else into an empty database and verifies each table', async () => {
    // 1,000 more accounts, members of the community, written by the product's storage code into the stopped instance's store.
    const store = await openInstanceStore(dataDir);
    try {
      const [row] = await store.all<{ password_hash: string }>('SELECT password_hash FROM users WHERE username = ?', ['move_owner']);
      const now = Date.now();
      for (let i = 0; i < IMPORTED; i += 50) {
        await Promise.all(
          Array.from({ length: Math.min(50, IMPORTED - i) }, async (_, k) => {
            const n = String(i + k).padStart(4, '0');
            const id = `imported-user-${n}`;
            await store.storage.createUser({ id, username: `imported_${n}`, displayName: `Imported ${n}`, email: null, passwordHash: row!.password_hash, instanceRole: 'user', createdAt: now, recoveryVerifierHash: null });
            await store.storage.addMember({ communityId, userId: id, role: 'member', joinedAt: now, timedOutUntil: null });
          }),
        );
      }
    } finally {
      await store.dispose();
    }

    target = await createDatabase(inject('postgresUrl'));
    const started = Date.now();
    const done = await migrateStore(['--to', target]);
    expect(done.code, `${done.stdout}\n${done.stderr}`).toBe(0);
    console.log(`migrate-store: ${IMPORTED + 2} accounts in ${Date.now() - started} ms (workerd start included)`);
    expect(done.stdout).toMatch(/users: 1002 rows, checksum [0-9a-f]{16}/);
    expect(done.stdout).toMatch(/members: 1002 rows/);
    expect(done.stdout).toMatch(/copied and verified \d+ tables/);

    // Independently of the tool's check: what PostgreSQL holds is what the store held.
    const store2 = await openInstanceStore(dataDir);
    const sql = postgres(target, { max: 1, onnotice: () => undefined });
    try {
      for (const q of ['SELECT id, username, password_hash, created_at FROM users ORDER BY id', 'SELECT community_id, user_id, role, joined_at FROM members ORDER BY user_id', 'SELECT id, user_id, created_at FROM sessions ORDER BY id']) {
        const fromStore = await store2.all<Record<string, unknown>>(q);
        const fromPg = (await sql.unsafe(q)).map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'string' && /^\d+$/.test(v) && k.endsWith('_at') ? Number(v) : v])));
        expect(fromPg).toEqual(fromStore);
        expect(fromStore.length).toBeGreaterThan(0);
      }
    } finally {
      await sql.end();
      await store2.dispose();
    }

    // Into a database that now holds rows: refused, nothing changed.
    const again = await migrateStore(['--to', target]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/the target database is not empty/);
  }, 300_000);

  it('19.4: restarted with DATABASE_URL, accounts sign in, the community has every member, and the history is whole', async () => {
    server = await startServer({ dataDir, env: { REGISTRATION_MODE: 'open', DATABASE_URL: target } });
    expect(server.output()).toMatch(/storage: postgres/);
    const login = await call(server, null, 'POST', '/api/auth/login', { username: 'move_owner', password: TEST_PASSWORD });
    expect(login.status).toBe(200);
    const imported = await call(server, null, 'POST', '/api/auth/login', { username: 'imported_0777', password: TEST_PASSWORD });
    expect(imported.status).toBe(200);
    expect((await call(server, member, 'GET', '/api/me')).status).toBe(200);
    const members = await call(server, owner, 'GET', `/api/communities/${communityId}/members`);
    expect(members.status).toBe(200);
    expect((members.body as { members: unknown[] }).members).toHaveLength(IMPORTED + 2);

    const socket = await openChannel(server, member, channelId);
    const first = await historyPage(socket, 0, 100);
    expect(first.head).toBe(ENVELOPES);
    expect(first.envelopes.map((e) => e.seq)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(first.envelopes.map((e) => e.ciphertext)).toEqual(Array.from({ length: 100 }, (_, i) => ciphertextOf(i)));
    const last = await historyPage(socket, ENVELOPES - 100, 100);
    expect(last.envelopes.map((e) => e.ciphertext)).toEqual(Array.from({ length: 100 }, (_, i) => ciphertextOf(ENVELOPES - 100 + i)));
    socket.send({ type: 'send', franking: FRANKING, clientMsgId: 'after-the-move', ciphertext: ciphertextOf(-1) });
    const ack = await socket.next<{ seq: number }>((f) => f.type === 'ack' && (f as { clientMsgId: string }).clientMsgId === 'after-the-move', 30_000);
    expect(ack.seq).toBe(ENVELOPES + 1);
  }, 120_000);
});

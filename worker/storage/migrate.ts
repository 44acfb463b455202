/**
 * Applies pending migrations, each inside one transaction, and records it in `_migrations`.
 *
 * A migration that fails leaves the database exactly as it was before it (the statements and
 * the bookkeeping row commit together or not at all) and raises `migration_failed` naming the
 * migration. Two processes migrating at once are safe: the loser's transaction rolls back on
 * the bookkeeping row's primary key, and it re-reads what is applied. It does not roll back
 * migrations that succeeded earlier, and it never edits a migration already applied.
 */
import type { Migration } from '../../migrations/index';
import type { SqlExecutor, Statement } from './SqlExecutor';
import { StorageError } from './StorageError';

/** drizzle-kit's separator between statements in one migration file. */
const BREAKPOINT = '--> statement-breakpoint';

/** Splits a migration file into statements. */
export function splitStatements(sql: string): string[] {
  return sql
    .split(BREAKPOINT)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** Applies every migration not yet recorded, in order, and returns the ids it applied. */
export async function migrate(db: SqlExecutor, migrations: readonly Migration[], now: number): Promise<string[]> {
  await db.run('CREATE TABLE IF NOT EXISTS _migrations (id TEXT PRIMARY KEY NOT NULL, applied_at BIGINT NOT NULL)');
  const applied = new Set((await db.all<{ id: string }>('SELECT id FROM _migrations')).map((r) => r.id));
  const done: string[] = [];
  for (const m of migrations) {
    if (applied.has(m.id)) continue;
    const statements: Statement[] = [
      ...splitStatements(m.sql).map((sql) => ({ sql })),
      { sql: 'INSERT INTO _migrations (id, applied_at) VALUES (?, ?)', params: [m.id, now] },
    ];
    try {
      await db.batch(statements);
      done.push(m.id);
    } catch (e) {
      const stillPending = (await db.all<{ id: string }>('SELECT id FROM _migrations WHERE id = ?', [m.id])).length === 0;
      if (!stillPending) continue; // another process applied it first
      const cause = e instanceof Error ? e.message : String(e);
      if (e instanceof StorageError && e.code === 'unavailable') throw e;
      throw new StorageError('migration_failed', `migration ${m.id} failed and was rolled back: ${cause}`, 'migrate');
    }
  }
  return done;
}

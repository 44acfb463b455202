/**
 * The narrow seam between SQL and a database driver: run a statement, read rows, run a list
 * of statements atomically. SqlStorage and the migrator are written against this alone, so the
 * same queries serve Durable Object SQLite, D1 and PostgreSQL.
 *
 * Statements use `?` placeholders; the PostgreSQL executor rewrites them to `$n`. An executor
 * translates driver errors into StorageError codes and does nothing else: no caching, no retries.
 */
import type { StorageKind } from '../../protocol/http';

/** A value a statement may bind. Integers are ms timestamps or counts; never floats that matter. */
export type SqlValue = string | number | null;

export interface Statement {
  sql: string;
  params?: readonly SqlValue[];
}

export interface SqlExecutor {
  readonly kind: StorageKind;
  readonly dialect: 'sqlite' | 'postgres';
  /** Rows of one statement (for `SELECT` and `… RETURNING`). */
  all<T extends object>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  /** Runs one statement and returns how many rows it changed. */
  run(sql: string, params?: readonly SqlValue[]): Promise<number>;
  /** Runs statements as one transaction: all of them or none. */
  batch(statements: readonly Statement[]): Promise<void>;
}

/** Replaces each `?` outside quotes with `$1`, `$2`, … for PostgreSQL. */
export function toDollarParams(sql: string): string {
  let n = 0;
  let quoted = false;
  let out = '';
  for (const ch of sql) {
    if (ch === "'") quoted = !quoted;
    out += ch === '?' && !quoted ? `$${++n}` : ch;
  }
  return out;
}

/**
 * The SqlExecutor implementations: Durable Object SQLite, D1, PostgreSQL (postgres.js), and a
 * remote one that forwards to the embedded store's Durable Object.
 *
 * Each one only adapts a driver: binding, row shape and error translation. None of them
 * caches, retries or interprets data; SqlStorage holds every query.
 */
import type postgres from 'postgres';
import { StorageError } from './StorageError';
import { toDollarParams, type SqlExecutor, type SqlValue, type Statement } from './SqlExecutor';

/** Turns a SQLite driver error into a StorageError; unique-key violations become `conflict`. */
export function sqliteError(e: unknown, operation: string): StorageError {
  const message = e instanceof Error ? e.message : String(e);
  if (/UNIQUE constraint failed|PRIMARY KEY must be unique|SQLITE_CONSTRAINT_(UNIQUE|PRIMARYKEY)/i.test(message)) {
    return new StorageError('conflict', `${operation}: a row with this key already exists`, operation);
  }
  return new StorageError('internal', `${operation}: ${message}`, operation);
}

/** Embedded SQLite: a Durable Object's own storage (synchronous under the hood). */
export class DoSqlExecutor implements SqlExecutor {
  readonly kind = 'sqlite' as const;
  readonly dialect = 'sqlite' as const;
  constructor(private readonly storage: DurableObjectStorage) {}

  async all<T extends object>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    try {
      return this.storage.sql.exec(sql, ...params).toArray() as T[];
    } catch (e) {
      throw sqliteError(e, 'query');
    }
  }

  async run(sql: string, params: readonly SqlValue[] = []): Promise<number> {
    try {
      const cursor = this.storage.sql.exec(sql, ...params);
      cursor.toArray();
      return cursor.rowsWritten;
    } catch (e) {
      throw sqliteError(e, 'statement');
    }
  }

  async batch(statements: readonly Statement[]): Promise<void> {
    try {
      this.storage.transactionSync(() => {
        for (const s of statements) this.storage.sql.exec(s.sql, ...(s.params ?? [])).toArray();
      });
    } catch (e) {
      throw sqliteError(e, 'transaction');
    }
  }
}

/** A read waiting to be sent with the others of its turn. */
interface QueuedRead {
  sql: string;
  params: SqlValue[];
  resolve: (rows: object[]) => void;
  reject: (e: unknown) => void;
}

/**
 * Collects the reads issued in one turn (the queries a Promise.all starts, as an access check
 * does) and hands them to `send` together at the turn's end, so a driver with a round trip per
 * call can make one (issue #18 item 2). `flush` sends what waits at once: a write calls it first,
 * so it never overtakes a read asked for before it.
 */
class ReadQueue {
  private reads: QueuedRead[] = [];
  constructor(private readonly send: (reads: QueuedRead[]) => void) {}

  add<T extends object>(sql: string, params: readonly SqlValue[]): Promise<T[]> {
    return new Promise<object[]>((resolve, reject) => {
      if (this.reads.push({ sql, params: [...params], resolve, reject }) === 1) queueMicrotask(() => this.flush());
    }) as Promise<T[]>;
  }

  flush(): void {
    const reads = this.reads;
    if (reads.length === 0) return;
    this.reads = [];
    this.send(reads);
  }
}

/** Cloudflare D1. `batch` is D1's own atomic batch; the reads of one turn go as one batch too (ReadQueue). */
export class D1Executor implements SqlExecutor {
  readonly kind = 'd1' as const;
  readonly dialect = 'sqlite' as const;
  constructor(private readonly db: D1Database) {}

  private readonly reads = new ReadQueue((reads) => {
    const one = (r: QueuedRead) =>
      this.db
        .prepare(r.sql)
        .bind(...r.params)
        .all()
        .then((x) => r.resolve(x.results), (e) => r.reject(sqliteError(e, 'query')));
    if (reads.length === 1) return void one(reads[0]!);
    // A D1 batch is one round trip but one transaction: should it fail, each read is asked
    // again on its own, so only the failing one fails.
    this.db
      .batch(reads.map((r) => this.db.prepare(r.sql).bind(...r.params)))
      .then((results) => reads.forEach((r, i) => r.resolve(results[i]!.results as object[])), () => reads.forEach(one));
  });

  all<T extends object>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    return this.reads.add<T>(sql, params);
  }

  async run(sql: string, params: readonly SqlValue[] = []): Promise<number> {
    this.reads.flush();
    try {
      const r = await this.db.prepare(sql).bind(...params).run();
      return r.meta.changes ?? 0;
    } catch (e) {
      throw sqliteError(e, 'statement');
    }
  }

  async batch(statements: readonly Statement[]): Promise<void> {
    this.reads.flush();
    try {
      await this.db.batch(statements.map((s) => this.db.prepare(s.sql).bind(...(s.params ?? []))));
    } catch (e) {
      throw sqliteError(e, 'transaction');
    }
  }
}

/** SQLSTATE classes that mean "the server is not there for us right now". */
const UNAVAILABLE_SQLSTATE = /^(08|53|57P0[1-3])/;

/** Turns a postgres.js error into a StorageError. */
export function postgresError(e: unknown, operation: string): StorageError {
  const code = (e as { code?: unknown })?.code;
  const isServerError = e instanceof Error && e.name === 'PostgresError' && typeof code === 'string';
  if (isServerError && code === '23505') {
    return new StorageError('conflict', `${operation}: a row with this key already exists`, operation);
  }
  if (!isServerError || UNAVAILABLE_SQLSTATE.test(code)) {
    const reason = e instanceof Error ? e.message : String(e);
    return new StorageError('unavailable', `${operation}: PostgreSQL is unreachable (${reason})`, operation);
  }
  return new StorageError('internal', `${operation}: ${(e as Error).message}`, operation);
}

/** PostgreSQL through postgres.js (Node in tests, workerd TCP sockets in production). */
export class PostgresExecutor implements SqlExecutor {
  readonly kind = 'postgres' as const;
  readonly dialect = 'postgres' as const;
  constructor(private readonly sql: postgres.Sql) {}

  async all<T extends object>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    try {
      return (await this.sql.unsafe(toDollarParams(sql), params as SqlValue[])) as unknown as T[];
    } catch (e) {
      throw postgresError(e, 'query');
    }
  }

  async run(sql: string, params: readonly SqlValue[] = []): Promise<number> {
    try {
      const r = await this.sql.unsafe(toDollarParams(sql), params as SqlValue[]);
      return r.count;
    } catch (e) {
      throw postgresError(e, 'statement');
    }
  }

  async batch(statements: readonly Statement[]): Promise<void> {
    try {
      await this.sql.begin(async (tx) => {
        for (const s of statements) await tx.unsafe(toDollarParams(s.sql), (s.params ?? []) as SqlValue[]);
      });
    } catch (e) {
      throw postgresError(e, 'transaction');
    }
  }
}

/** What the embedded store's Durable Object answers: a value, or a StorageError's code and message. */
export type RemoteResult<T> = { ok: true; value: T } | { ok: false; code: StorageError['code']; message: string };

/** The RPC surface of the object that owns the embedded SQLite database. */
export interface RemoteSql {
  all(sql: string, params: SqlValue[]): Promise<RemoteResult<object[]>>;
  /** Several reads in one call, run in order; each answers for itself. */
  allMany(statements: { sql: string; params: SqlValue[] }[]): Promise<RemoteResult<object[]>[]>;
  run(sql: string, params: SqlValue[]): Promise<RemoteResult<number>>;
  batch(statements: Statement[]): Promise<RemoteResult<null>>;
}

/** Wraps an executor call so it can cross an RPC boundary without losing its error code. */
export async function toRemoteResult<T>(work: () => Promise<T>): Promise<RemoteResult<T>> {
  try {
    return { ok: true, value: await work() };
  } catch (e) {
    const se = e instanceof StorageError ? e : new StorageError('internal', e instanceof Error ? e.message : String(e));
    return { ok: false, code: se.code, message: se.message };
  }
}

function unwrap<T>(r: RemoteResult<T>): T {
  if (r.ok) return r.value;
  throw new StorageError(r.code, r.message);
}

/** Settles a waiting read with its answer, rows or error. */
function settle(read: QueuedRead, r: RemoteResult<object[]>): void {
  if (r.ok) read.resolve(r.value);
  else read.reject(new StorageError(r.code, r.message));
}

/**
 * The worker's view of the database gateway object: every statement runs inside that Durable
 * Object. A stub is an I/O object bound to the request that made it, so one is fetched per call.
 */
export class RemoteExecutor implements SqlExecutor {
  constructor(
    readonly kind: 'sqlite' | 'postgres',
    private readonly remote: () => RemoteSql,
  ) {}

  get dialect() {
    return this.kind;
  }

  /**
   * The reads of one turn travel in one `allMany` call instead of one call each: a channel
   * socket's admission made nine round trips to the gateway object, whose queue every request of
   * the instance shares. Each read still gets its own rows or its own error.
   */
  private readonly reads = new ReadQueue((reads) => {
    if (reads.length === 1) {
      const one = reads[0]!;
      this.remote()
        .all(one.sql, one.params)
        .then((r) => settle(one, r), one.reject);
      return;
    }
    this.remote()
      .allMany(reads.map((r) => ({ sql: r.sql, params: r.params })))
      .then(
        (results) => results.forEach((r, i) => settle(reads[i]!, r)),
        (e) => reads.forEach((r) => r.reject(e)),
      );
  });

  all<T extends object>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    return this.reads.add<T>(sql, params);
  }

  // A write goes after the reads asked for before it, as it would have without the batching.
  async run(sql: string, params: readonly SqlValue[] = []): Promise<number> {
    this.reads.flush();
    return unwrap(await this.remote().run(sql, [...params]));
  }
  async batch(statements: readonly Statement[]): Promise<void> {
    this.reads.flush();
    unwrap(await this.remote().batch(statements.map((s) => ({ sql: s.sql, params: [...(s.params ?? [])] }))));
  }
}

/**
 * The database gateway: one Durable Object (named "instance") through which the worker reaches
 * the accounts-and-structure database when it is not D1.
 *
 * Without DATABASE_URL it *is* the database: the tables live in its own SQLite storage, and its
 * input gate makes single statements and batches atomic. With DATABASE_URL it holds the
 * PostgreSQL connection pool, because workerd binds a TCP socket to the request that opened it:
 * a worker isolate cannot keep a pool across requests, but an object's connections outlive them.
 * It is a shell around an executor: it holds no query logic and never sees message content.
 */
import { DurableObject } from 'cloudflare:workers';
import postgres from 'postgres';
import type { Env } from '../worker/env';
import { DoSqlExecutor, PostgresExecutor, toRemoteResult, type RemoteResult, type RemoteSql } from '../worker/storage/executors';
import { openBindingSocket } from '../worker/storage/pgSocket';
import { postgresOptions } from '../worker/storage/postgresOptions';
import type { SqlExecutor, SqlValue, Statement } from '../worker/storage/SqlExecutor';

function openExecutor(ctx: DurableObjectState, env: Env): SqlExecutor {
  if (!env.DATABASE_URL) return new DoSqlExecutor(ctx.storage);
  const url = new URL(env.DATABASE_URL);
  const address = `${url.hostname}:${url.port || '5432'}`;
  const pg = env.PG;
  // postgres.js supports a `socket` factory but its type definitions do not declare it.
  const viaBinding = pg ? ({ socket: () => openBindingSocket(pg, address) } as unknown as postgres.Options<Record<string, postgres.PostgresType>>) : {};
  return new PostgresExecutor(postgres(env.DATABASE_URL, postgresOptions(viaBinding)));
}

export class StoreObject extends DurableObject<Env> implements RemoteSql {
  private readonly db = openExecutor(this.ctx, this.env);

  all(sql: string, params: SqlValue[]): Promise<RemoteResult<object[]>> {
    return toRemoteResult(() => this.db.all(sql, params));
  }

  /** Reads that arrived together (RemoteExecutor): on SQLite one after the other in this call, on PostgreSQL side by side on the pool. */
  allMany(statements: { sql: string; params: SqlValue[] }[]): Promise<RemoteResult<object[]>[]> {
    return Promise.all(statements.map((s) => toRemoteResult(() => this.db.all(s.sql, s.params))));
  }

  run(sql: string, params: SqlValue[]): Promise<RemoteResult<number>> {
    return toRemoteResult(() => this.db.run(sql, params));
  }

  batch(statements: Statement[]): Promise<RemoteResult<null>> {
    return toRemoteResult(async () => (await this.db.batch(statements), null));
  }
}

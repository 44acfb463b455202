/**
 * RemoteExecutor and D1Executor batch the reads a turn issues into one call (to the gateway
 * object; one D1 batch) (issue #18 item 2), while each read keeps its own rows or error and a
 * write never overtakes a read asked for before it.
 */
import { describe, expect, it } from 'vitest';
import { D1Executor, RemoteExecutor, type RemoteResult, type RemoteSql } from './executors';
import type { SqlValue } from './SqlExecutor';

/** A gateway that answers `SELECT <n>` with [{ n }], fails on `BAD`, and records every call. */
function gateway() {
  const calls: string[] = [];
  const answer = (sql: string): RemoteResult<object[]> => (sql === 'BAD' ? { ok: false, code: 'internal', message: 'bad statement' } : { ok: true, value: [{ n: Number(sql.split(' ')[1]) }] });
  const remote: RemoteSql = {
    async all(sql: string) {
      calls.push(`all ${sql}`);
      return answer(sql);
    },
    async allMany(statements: { sql: string; params: SqlValue[] }[]) {
      calls.push(`allMany ${statements.map((s) => s.sql).join(', ')}`);
      return statements.map((s) => answer(s.sql));
    },
    async run(sql: string) {
      calls.push(`run ${sql}`);
      return { ok: true, value: 1 };
    },
    async batch() {
      calls.push('batch');
      return { ok: true, value: null };
    },
  };
  return { calls, executor: new RemoteExecutor('sqlite', () => remote) };
}

describe('RemoteExecutor', () => {
  it('sends the reads of one turn in one call, each answered with its own rows or error', async () => {
    const { calls, executor } = gateway();
    const [a, b, bad] = await Promise.allSettled([executor.all('SELECT 1'), executor.all('SELECT 2'), executor.all('BAD')]);
    expect(calls).toEqual(['allMany SELECT 1, SELECT 2, BAD']);
    expect(a).toEqual({ status: 'fulfilled', value: [{ n: 1 }] });
    expect(b).toEqual({ status: 'fulfilled', value: [{ n: 2 }] });
    expect(bad).toMatchObject({ status: 'rejected', reason: { code: 'internal', message: 'bad statement' } });
    // A read alone is a plain call; reads of a later turn are a call of their own.
    expect(await executor.all('SELECT 3')).toEqual([{ n: 3 }]);
    expect(calls.at(-1)).toBe('all SELECT 3');
  });

  it('a write goes after the reads asked for before it', async () => {
    const { calls, executor } = gateway();
    await Promise.all([executor.all('SELECT 1'), executor.all('SELECT 2'), executor.run('UPDATE'), executor.all('SELECT 4')]);
    expect(calls).toEqual(['allMany SELECT 1, SELECT 2', 'run UPDATE', 'all SELECT 4']);
  });
});

/** A D1 binding that answers `SELECT <n>` with [{ n }], throws on `BAD` (failing a whole batch, as D1 does), and records calls. */
function d1() {
  const calls: string[] = [];
  const rows = (sql: string) => {
    if (sql === 'BAD') throw new Error('D1_ERROR: bad statement');
    return { results: [{ n: Number(sql.split(' ')[1]) }] };
  };
  const prepare = (sql: string) => {
    const statement = {
      sql,
      bind: () => statement,
      all: async () => (calls.push(`all ${sql}`), rows(sql)),
      run: async () => (calls.push(`run ${sql}`), { meta: { changes: 1 } }),
    };
    return statement;
  };
  const db = {
    prepare,
    batch: async (statements: { sql: string }[]) => (calls.push(`batch ${statements.map((s) => s.sql).join(', ')}`), statements.map((s) => rows(s.sql))),
  };
  return { calls, executor: new D1Executor(db as unknown as D1Database) };
}

describe('D1Executor', () => {
  it('sends the reads of one turn as one batch; when the batch fails, each read is asked alone so only the bad one fails', async () => {
    const { calls, executor } = d1();
    expect(await Promise.all([executor.all('SELECT 1'), executor.all('SELECT 2')])).toEqual([[{ n: 1 }], [{ n: 2 }]]);
    expect(calls).toEqual(['batch SELECT 1, SELECT 2']);
    calls.length = 0;
    const [a, bad] = await Promise.allSettled([executor.all('SELECT 3'), executor.all('BAD')]);
    expect(a).toEqual({ status: 'fulfilled', value: [{ n: 3 }] });
    expect(bad).toMatchObject({ status: 'rejected', reason: { code: 'internal' } });
    expect(calls).toEqual(['batch SELECT 3, BAD', 'all SELECT 3', 'all BAD']);
    calls.length = 0;
    await Promise.all([executor.all('SELECT 4'), executor.run('UPDATE')]);
    expect(calls).toEqual(['all SELECT 4', 'run UPDATE']);
  });
});

/**
 * The ways a channel's fan-out can run (issue #18 item 5), for suites that must hold in each:
 * every socket on the channel's room; every socket on a relay shard of its own (threshold 0,
 * one socket per shard, so any two sockets talk across shards), on the embedded store; and the
 * same on PostgreSQL.
 */
import { inject } from 'vitest';
import { createDatabase } from '../setup/postgres';

export interface FanoutMode {
  name: string;
  /** Server environment for this mode (a fresh PostgreSQL database where it needs one). */
  env(): Promise<Record<string, string>>;
}

/** Every member's socket on a relay shard, one socket per shard. */
export const SHARDED_ENV = { CHANNEL_SHARD_THRESHOLD: '0', CHANNEL_SHARD_SIZE: '1' };

export const ON_THE_ROOM: FanoutMode = { name: 'on the room', env: async () => ({}) };
export const SHARDED: FanoutMode = { name: 'sharded', env: async () => ({ ...SHARDED_ENV }) };
export const SHARDED_POSTGRES: FanoutMode = { name: 'sharded, PostgreSQL', env: async () => ({ ...SHARDED_ENV, DATABASE_URL: await createDatabase(inject('postgresUrl')) }) };

/** The value of `chatalot_sockets_open{kind="…"}` on the server at `url` (METRICS_TOKEN `token`), or 0. */
export async function openSockets(url: string, token: string, kind: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`, { headers: { Authorization: `Bearer ${token}` } })).text();
  const m = new RegExp(`^chatalot_sockets_open\\{kind="${kind}"\\} (\\d+)`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}

/**
 * postgres.js options shared by the gateway object and the Node-side tests: int8 read as
 * numbers (our integers are ms timestamps and counts), a short connect timeout so an unreachable
 * server becomes a 503 quickly, connections kept open (see below), and no prepared statements
 * (the SQL text varies little).
 */
import type postgres from 'postgres';

type Options = postgres.Options<Record<string, postgres.PostgresType>>;

export function postgresOptions(extra: Options = {}): Options {
  return {
    max: 5,
    // Connections are kept, not closed when idle or after a lifetime: a new connection opened for
    // a query that a Durable Object alarm started (a scheduled message's release telling member
    // hubs) never completed in workerd, and the gateway's pool stayed stuck after it. Kept
    // connections avoid that; PostgreSQL restarts are still recovered by reconnecting.
    idle_timeout: 0,
    max_lifetime: null,
    connect_timeout: 5,
    prepare: false,
    onnotice: () => undefined,
    types: { bigint: { to: 20, from: [20], parse: (x: string) => Number(x), serialize: (x: number) => String(x) } },
    ...extra,
  };
}

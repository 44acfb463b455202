/**
 * postgres.js options shared by the gateway object and the Node-side tests: int8 read as
 * numbers (our integers are ms timestamps and counts), short timeouts so an unreachable server
 * becomes a 503 quickly, and no prepared statements (the SQL text varies little and pools churn).
 */
import type postgres from 'postgres';

type Options = postgres.Options<Record<string, postgres.PostgresType>>;

export function postgresOptions(extra: Options = {}): Options {
  return {
    max: 5,
    idle_timeout: 30,
    connect_timeout: 5,
    prepare: false,
    onnotice: () => undefined,
    types: { bigint: { to: 20, from: [20], parse: (x: string) => Number(x), serialize: (x: number) => String(x) } },
    ...extra,
  };
}

/**
 * The body of `npm run bench:user-search` (bench/userSearch.mjs bundles and runs it): the admin
 * panel's account search (Settings → Users, GET /api/admin/users → Storage.searchUsers) over
 * 100,000 accounts, on embedded SQLite (a Durable Object in workerd) and on PostgreSQL, through
 * the same harness the storage contract suite uses.
 */
import { openBackend, type Backend, type BackendName } from '../../tests/contract/backends';
import { createDatabase, startTestPostgres } from '../../tests/setup/postgres';

const arg = (name: string, fallback: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback;
const ACCOUNTS = Number(arg('accounts', '100000'));
const QUERIES = Number(arg('queries', '500'));
const ROWS_PER_INSERT = 500;

// mulberry32: integer arithmetic, so the sequence does not collapse the way a float LCG does.
let seed = 7;
const random = () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const LETTERS = 'abcdefghijklmnopqrstuvwxyz';
const pick = (s: string) => s[Math.floor(random() * s.length)]!;

/** Usernames shaped like people's: a few letters, sometimes digits, all distinct. */
function usernames(n: number): string[] {
  const out = new Set<string>();
  while (out.size < n) {
    let name = '';
    const len = 4 + Math.floor(random() * 8);
    for (let i = 0; i < len; i++) name += pick(LETTERS);
    if (random() < 0.4) name += Math.floor(random() * 1000);
    out.add(name);
  }
  return [...out];
}

async function seedAccounts(b: Backend, names: string[]): Promise<void> {
  for (let i = 0; i < names.length; i += ROWS_PER_INSERT) {
    const rows = names
      .slice(i, i + ROWS_PER_INSERT)
      .map((name, k) => `('bench${i + k}', '${name}', '${name}', '${name}', '${name}', 'x', 'user', ${1_700_000_000_000 + i + k}, 0, 'communities')`);
    await b.all(`INSERT INTO users (id, username, username_key, username_skeleton, display_name, password_hash, instance_role, created_at, failed_logins, dm_policy) VALUES ${rows.join(', ')}`);
  }
}

const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

async function timeEach(n: number, fn: (i: number) => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn(i);
    out.push(performance.now() - t);
  }
  return out;
}

async function run(name: BackendName, postgresUrl: string) {
  const b = await openBackend(name, postgresUrl);
  try {
    await b.storage.migrate(Date.now());
    const names = usernames(ACCOUNTS);
    const t0 = performance.now();
    await seedAccounts(b, names);
    const seeded = performance.now() - t0;
    // What an admin types: the first 1–4 letters of someone's name, sometimes a name nobody has.
    const queries = Array.from({ length: QUERIES }, () => {
      if (random() < 0.1) return 'zzzq';
      const n = names[Math.floor(random() * names.length)]!;
      return n.slice(0, 1 + Math.floor(random() * 4));
    });
    await timeEach(50, (i) => b.storage.searchUsers(queries[i]!, null, 50)); // warm-up
    const search = await timeEach(QUERIES, (i) => b.storage.searchUsers(queries[i]!, null, 50));
    const paged = await timeEach(QUERIES / 5, async (i) => {
      const first = await b.storage.searchUsers(queries[i]!.slice(0, 1), null, 50);
      return b.storage.searchUsers(queries[i]!.slice(0, 1), first.at(-1)?.username.toLowerCase() ?? null, 50);
    });
    // Baselines in the same run: one round trip into the runtime that touches no table, and an
    // unindexed substring scan of every account (what a naive "contains" search costs).
    const floor = await timeEach(QUERIES, () => b.storage.ping());
    const scan = await timeEach(20, (i) => b.all(`SELECT id FROM users WHERE username_key LIKE ? ORDER BY username_key LIMIT 50`, [`%${queries[i]!}%`]));
    const ms = (x: number) => `${x.toFixed(2)} ms`;
    console.log(`${name}: ${ACCOUNTS.toLocaleString('en')} accounts seeded in ${(seeded / 1000).toFixed(1)} s`);
    console.log(`  searchUsers(prefix, 50)        p50 ${ms(percentile(search, 50))}  p99 ${ms(percentile(search, 99))}  (${QUERIES} queries)`);
    console.log(`  second page (after=…)          p50 ${ms(percentile(paged, 50))}  p99 ${ms(percentile(paged, 99))}  (2 calls each)`);
    console.log(`  baseline: round trip (ping)    p50 ${ms(percentile(floor, 50))}  p99 ${ms(percentile(floor, 99))}`);
    console.log(`  baseline: unindexed %q% scan   p50 ${ms(percentile(scan, 50))}  p99 ${ms(percentile(scan, 99))}  (20 queries)`);
  } finally {
    await b.dispose();
  }
}

const external = process.env.TEST_DATABASE_URL;
const pg = external ? null : await startTestPostgres();
try {
  const url = await createDatabase(external ?? pg!.url);
  for (const name of ['sqlite', 'postgres'] as const) await run(name, url);
} finally {
  await pg?.stop();
}

/**
 * The password hasher's own gate and answers (worker/hasher/index.ts), run in Node against the
 * same Argon2id code: only the run's secret is served, and hash then verify round-trips.
 */
import { describe, expect, it } from 'vitest';
import hasher from './index';

const SECRET = 'a-secret-of-the-run-0123456789abcdef';
const call = (body: unknown, secret?: string) =>
  hasher.fetch(new Request('http://hasher/', { method: 'POST', headers: { 'Content-Type': 'application/json', ...(secret !== undefined ? { 'X-Hasher-Secret': secret } : {}) }, body: JSON.stringify(body) }), { HASHER_SECRET: SECRET });

describe('password hasher', () => {
  it('refuses a request without the secret, with a wrong one, or when it has none itself', async () => {
    expect((await call({ op: 'hash', password: 'correct horse battery' })).status).toBe(401);
    expect((await call({ op: 'hash', password: 'correct horse battery' }, SECRET.replace('a', 'b'))).status).toBe(401);
    expect((await call({ op: 'hash', password: 'correct horse battery' }, SECRET.slice(1))).status).toBe(401);
    const none = await hasher.fetch(new Request('http://hasher/', { method: 'POST', headers: { 'X-Hasher-Secret': '' }, body: '{}' }), {});
    expect(none.status).toBe(401);
  });

  it('hashes and verifies: the right password matches, another does not; malformed requests are 400', async () => {
    const hashed = (await (await call({ op: 'hash', password: 'correct horse battery' }, SECRET)).json()) as { phc: string };
    expect(hashed.phc).toMatch(/^\$argon2id\$v=19\$m=65536,t=3,p=4\$/);
    expect(await (await call({ op: 'verify', password: 'correct horse battery', phc: hashed.phc }, SECRET)).json()).toEqual({ ok: true });
    expect(await (await call({ op: 'verify', password: 'wrong horse battery', phc: hashed.phc }, SECRET)).json()).toEqual({ ok: false });
    expect((await call({ op: 'explode' }, SECRET)).status).toBe(400);
    const notJson = await hasher.fetch(new Request('http://hasher/', { method: 'POST', headers: { 'X-Hasher-Secret': SECRET }, body: 'nope' }), { HASHER_SECRET: SECRET });
    expect(notJson.status).toBe(400);
  }, 30_000);
});

describe('password hasher under a flood', () => {
  it('R8 lets one hash run and MAX_QUEUED_HASHES wait; the rest of a burst are refused with 503 at once, not queued', async () => {
    const { MAX_QUEUED_HASHES } = await import('../auth/passwords');
    const burst = MAX_QUEUED_HASHES + 8;
    const statuses = await Promise.all(Array.from({ length: burst }, (_, i) => call({ op: 'verify', password: `wrong password ${i}`, phc: '$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA' }, SECRET).then((r) => r.status)));
    expect(statuses.filter((s) => s === 503)).toHaveLength(burst - MAX_QUEUED_HASHES - 1);
    expect(statuses.filter((s) => s === 200)).toHaveLength(MAX_QUEUED_HASHES + 1);
  }, 60_000);
});

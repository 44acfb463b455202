/** Open-socket leases (hardening #11.2, SECURITY-TESTS D3): the cap, release, and lapsing at the token's expiry. */
import { describe, expect, it } from 'vitest';
import { Leases } from './leases';

describe('Leases', () => {
  it('D3: holds at most the cap; a release or a repeated id frees or keeps a place', () => {
    const leases = new Leases();
    expect(leases.acquire('a', 2, 1000, 0)).toBe(true);
    expect(leases.acquire('b', 2, 1000, 0)).toBe(true);
    expect(leases.acquire('c', 2, 1000, 0)).toBe(false);
    expect(leases.acquire('a', 2, 1000, 0)).toBe(true); // already held: no second place
    leases.release('a');
    expect(leases.acquire('c', 2, 1000, 0)).toBe(true);
    expect(leases.size).toBe(2);
  });

  it('D3: a lease lapses at its expiry, so a lost release frees its place by itself, and no earlier', () => {
    const leases = new Leases();
    expect(leases.acquire('early', 2, 100, 0)).toBe(true);
    expect(leases.acquire('late', 2, 500, 0)).toBe(true);
    expect(leases.acquire('x', 2, 900, 99)).toBe(false);
    expect(leases.acquire('x', 2, 900, 100)).toBe(true); // 'early' lapsed
    expect(leases.acquire('y', 2, 900, 499)).toBe(false);
    expect(leases.acquire('y', 2, 900, 500)).toBe(true); // 'late' lapsed
    expect(leases.size).toBe(2);
  });
});

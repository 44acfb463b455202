/**
 * A deterministic RNG for tests and known-answer vectors only; never for real keys.
 *
 * SHA-256 in counter mode over a seed string: block i = SHA-256(label || seed || i). Every byte
 * requested is drawn in order, so the same sequence of calls gives the same keys on every run.
 * It is deliberately not exported from `index.ts`.
 */
import { ByteWriter, utf8 } from './encoding';
import { sha256 } from './primitives';
import type { Rng } from './primitives';

/** Returns an `Rng` that yields the same bytes for the same seed. */
export function seededRng(seed: string): Rng {
  const prefix = utf8(`Chatalot/test-rng/v1/${seed}`);
  let counter = 0;
  let pool: Uint8Array = new Uint8Array(0);
  return (length: number) => {
    const out = new Uint8Array(length);
    let o = 0;
    while (o < length) {
      if (pool.length === 0) pool = sha256(new ByteWriter().var16(prefix).u64(counter++).finish());
      const n = Math.min(pool.length, length - o);
      out.set(pool.subarray(0, n), o);
      pool = pool.subarray(n);
      o += n;
    }
    return out;
  };
}

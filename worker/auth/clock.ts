/**
 * The server's clock. Production reads Date.now(); tests that must see time pass (a lockout's
 * release after 15 minutes) start the server with CHATALOT_CLOCK_OFFSET_MS, which shifts every
 * time the server reads — tokens, lockouts, expiries — together. It is not a setting for
 * operators and README does not list it.
 */
import type { Env } from '../env';

export type Clock = () => number;

export function clockFor(env: Env): Clock {
  const offset = Number(env.CHATALOT_CLOCK_OFFSET_MS ?? 0);
  return Number.isFinite(offset) && offset !== 0 ? () => Date.now() + offset : Date.now;
}

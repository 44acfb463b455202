/**
 * Who may read another user's keys, and how many of their one-time prekeys one caller may take.
 *
 * Device lists and prekey bundles are what a sender needs to encrypt to someone, so they go to
 * the user themselves and to people who share a community or a DM with them; to anyone else the
 * user looks absent (404, the same as an unknown id). Device names and creation times go to
 * nobody but the owner (hardening #11.12).
 *
 * One-time prekeys give a new session forward secrecy for its first message, and a user has a
 * limited stock, so a caller cannot take them at will (SECURITY-TESTS D5, hardening #11.4). A
 * claim past any allowance below is still answered, with the signed and post-quantum last-resort
 * prekeys and no one-time prekey: never an error, so a legitimate sender in a large channel is
 * slowed by nothing, and the stock of the target is never drained by one caller.
 */
import type { Env } from '../env';
import { storageDirectory } from '../hubs';

/** Claims (one per target device set) a caller may make on one target's one-time prekeys per period: a new session per device change, with room for retries. */
export const OPK_CLAIMS_PER_PAIR = 5;
/** The period the per-pair allowance refills over. */
export const OPK_PAIR_PERIOD_MS = 24 * 60 * 60 * 1000;
/** Claims on one target's one-time prekeys from everyone together per period: a new member of a busy community is contacted by many at once, but no crowd empties the stock (uploads are 100 at a time). */
export const OPK_CLAIMS_PER_TARGET = 60;
/** Claims with one-time prekeys one caller may make across all targets per period: a first message to a large channel claims hundreds; past this the last-resort keys serve. */
export const OPK_CLAIMS_PER_CALLER = 500;
/** The period the per-target and per-caller allowances refill over. */
export const OPK_PERIOD_MS = 60 * 60 * 1000;

/** Whether `caller` may see `target`'s devices and claim their bundles. */
export async function mayReadKeys(env: Env, caller: string, target: string): Promise<boolean> {
  if (caller === target) return true;
  return (await storageDirectory(env).sharing(caller, [target])).has(target);
}

/**
 * Whether this claim may include one-time prekeys: the caller's allowance for this target, then
 * the target's allowance, then the caller's overall one, each taken only if the previous held.
 */
export async function mayTakeOneTimePreKeys(env: Env, caller: string, target: string, now: number): Promise<boolean> {
  if (caller === target) return true;
  const ns = env.RATE_LIMITER;
  if (!ns) return true;
  const of = (key: string) => ns.get(ns.idFromName(key));
  return (
    (await of(`user:${caller}`).takeStored(`opk-pair:${target}`, OPK_CLAIMS_PER_PAIR, OPK_PAIR_PERIOD_MS, now)) &&
    (await of(`user:${target}`).takeStored('opk-target', OPK_CLAIMS_PER_TARGET, OPK_PERIOD_MS, now)) &&
    (await of(`user:${caller}`).takeStored('opk-caller', OPK_CLAIMS_PER_CALLER, OPK_PERIOD_MS, now))
  );
}

/** The limiter calls `mayTakeOneTimePreKeysOf` makes: the methods of RateLimiterObject it uses. */
interface OpkLimiter {
  takeStored(bucket: string, capacity: number, periodMs: number, now: number): Promise<boolean>;
  takeStoredEach(buckets: string[], capacity: number, periodMs: number, now: number): Promise<boolean[]>;
  takeStoredUpTo(bucket: string, wanted: number, capacity: number, periodMs: number, now: number): Promise<number>;
}

/**
 * `mayTakeOneTimePreKeys` for many targets of one claim (issue #21): the same three allowances in
 * the same order, each taken only if the previous held, in one call to the caller's limiter for
 * every per-pair allowance, one per target, and one for the caller's overall allowance, instead
 * of three calls per target. Answers the targets whose bundles may carry one-time prekeys.
 */
export async function mayTakeOneTimePreKeysOf(env: Env, caller: string, targets: string[], now: number): Promise<Set<string>> {
  const ns = env.RATE_LIMITER;
  if (!ns) return new Set(targets);
  const of = (key: string) => ns.get(ns.idFromName(key)) as unknown as OpkLimiter;
  const others = [...new Set(targets)].filter((t) => t !== caller);
  const out = new Set(targets.filter((t) => t === caller));
  if (others.length === 0) return out;
  const me = of(`user:${caller}`);
  const pair = await me.takeStoredEach(others.map((t) => `opk-pair:${t}`), OPK_CLAIMS_PER_PAIR, OPK_PAIR_PERIOD_MS, now);
  const pairHeld = others.filter((_, i) => pair[i]);
  const target = await Promise.all(pairHeld.map((t) => of(`user:${t}`).takeStored('opk-target', OPK_CLAIMS_PER_TARGET, OPK_PERIOD_MS, now)));
  const targetHeld = pairHeld.filter((_, i) => target[i]);
  const granted = targetHeld.length ? await me.takeStoredUpTo('opk-caller', targetHeld.length, OPK_CLAIMS_PER_CALLER, OPK_PERIOD_MS, now) : 0;
  for (const t of targetHeld.slice(0, granted)) out.add(t);
  return out;
}

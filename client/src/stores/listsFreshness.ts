/**
 * Whether the lists this device read may have missed a change, judged when its hub connects.
 *
 * The lists are read over HTTP, and changes to them are announced on the hub socket, which opens
 * later: a change made in between reaches no socket of this device. The hub's `ready` says how
 * long ago it last announced a change to this user (`listsChangedAgo`, its own clock); the device
 * knows how long ago it started reading (its own clock). A change the reads missed was made after
 * the server answered them, so after they started: it is younger than the reads. Only then are
 * the lists read again; on a phone those reads after every connection were about a dozen requests
 * and redraws in the chat's load (bench:lighthouse).
 */

/** Allowance for the two clocks' coarseness (a Durable Object's clock moves with its I/O), ms. */
export const LISTS_CHANGE_MARGIN_MS = 1_000;

/**
 * `changedAgo`: the hub's `listsChangedAgo` (null: never changed; undefined: a server that does
 * not say). `readAgo`: ms since this device started reading all its lists.
 */
export function listsMayHaveMissedChanges(changedAgo: number | null | undefined, readAgo: number): boolean {
  if (changedAgo === undefined) return true;
  if (changedAgo === null) return false;
  return changedAgo <= readAgo + LISTS_CHANGE_MARGIN_MS;
}

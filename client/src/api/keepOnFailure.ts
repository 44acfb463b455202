/**
 * A list read again (a hub frame said it changed, or the hub's `ready` after connecting) that
 * comes back as it was keeps the value the screen holds, the same object: nothing that reads it
 * is drawn again. After every connection the lists are read once more (a change made while the
 * hub was connecting reached no socket of this device); on a phone those re-reads redrew the
 * lists in three 12–26 ms tasks although nothing had changed (bench:lighthouse).
 */
export function sameIfUnchanged<T>(previous: T | undefined, next: T): T {
  return previous !== undefined && JSON.stringify(previous) === JSON.stringify(next) ? previous : next;
}

/** A resource's fetcher whose reads again keep the value it has when they bring nothing new. */
export function keepIfSame<S, T>(fetch: (source: S, info: { value: T | undefined; refetching: unknown }) => Promise<T>): (source: S, info: { value: T | undefined; refetching: unknown }) => Promise<T> {
  return async (source, info) => sameIfUnchanged(info.value, await fetch(source, info));
}

/**
 * A list's fetcher that, reading again (a hub frame said it changed, or the connection came
 * back), keeps the list it has when the read fails: a connection that drops meanwhile neither
 * empties the list nor throws out of it. The hub's `ready` on reconnecting reads it again. A
 * read that brings nothing new keeps it too (sameIfUnchanged).
 */
export function keepOnFailure<T>(fetch: () => Promise<T>): (source: true, info: { value: T | undefined; refetching: unknown }) => Promise<T> {
  return async (_source, { value, refetching }) => {
    try {
      return sameIfUnchanged(value, await fetch());
    } catch (e) {
      if (refetching && value !== undefined) return value;
      throw e;
    }
  };
}

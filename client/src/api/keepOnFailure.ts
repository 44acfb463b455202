/**
 * A list's fetcher that, reading again (a hub frame said it changed, or the connection came
 * back), keeps the list it has when the read fails: a connection that drops meanwhile neither
 * empties the list nor throws out of it. The hub's `ready` on reconnecting reads it again.
 */
export function keepOnFailure<T>(fetch: () => Promise<T>): (source: true, info: { value: T | undefined; refetching: unknown }) => Promise<T> {
  return async (_source, { value, refetching }) => {
    try {
      return await fetch();
    } catch (e) {
      if (refetching && value !== undefined) return value;
      throw e;
    }
  };
}

import { createResource, createSignal, type Accessor, type Resource } from 'solid-js';
import { errorText } from './errorText';
import { sameIfUnchanged } from './keepOnFailure';

/**
 * A list a dialog or settings page reads from the server, whose failed read does not throw.
 *
 * A Solid resource that rejects throws its error at whoever reads it, and the app has nowhere
 * to catch it: a dropped connection while the roles, invites, reports or sessions were read
 * left the screen half drawn and an uncaught error behind (the PWA's health line did exactly
 * this in CI). Here a failed read keeps what the screen had (nothing, the first time), and
 * `failure` says why in the reader's language, for `ReadFailure` to show with a retry.
 */
export interface Readable<T> {
  value: Resource<T | undefined>;
  refetch: () => Promise<void>;
  /** Why the last read failed, or null when it did not. */
  failure: Accessor<string | null>;
}

export function readable<T>(fetch: () => Promise<T>): Readable<T> {
  return readableFrom(() => true as const, () => fetch());
}

/** As `readable`, re-read whenever `source` changes; a falsy source reads nothing. */
export function readableFrom<S, T>(source: () => S | false | null | undefined, fetch: (source: S) => Promise<T>): Readable<T> {
  const [failure, setFailure] = createSignal<string | null>(null);
  const [value, { refetch }] = createResource<T | undefined, S>(source, async (s, info) => {
    try {
      const next = await fetch(s);
      setFailure(null);
      return sameIfUnchanged(info.value, next);
    } catch (e) {
      setFailure(errorText(e));
      return info.value;
    }
  });
  return { value, refetch: async () => void (await refetch()), failure };
}

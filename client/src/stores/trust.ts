/**
 * What this device knows about other people's identity keys, as Solid state: verified (the
 * safety number was compared), unverified (trusted on first use) or changed (a device's key
 * differs from the one first seen — a warning until the user looks at it). Keys are pinned per
 * device (`user.device`); a person is verified when every device of theirs this device has seen
 * is, and changed when any is.
 */
import { createSignal, onCleanup } from 'solid-js';
import type { TrustRecord } from '../crypto';
import type { Engine } from '../e2ee/Engine';

export type Trust = 'verified' | 'unverified' | 'changed';

export interface TrustState {
  trustOf(userId: string): Trust;
  /** Re-reads the stored state (the engine also signals every change). */
  refresh(): void;
}

/** One person's state from the records of their devices. */
export function trustFrom(records: readonly TrustRecord[]): Trust {
  if (records.some((r) => r.state === 'changed')) return 'changed';
  return records.length > 0 && records.every((r) => r.state === 'verified') ? 'verified' : 'unverified';
}

export function createTrust(engine: Engine): TrustState {
  const [byUser, setByUser] = createSignal(new Map<string, TrustRecord[]>());
  const refresh = () =>
    void engine.trustRecords().then((records) => {
      const map = new Map<string, TrustRecord[]>();
      for (const r of records) {
        const userId = r.userId.slice(0, r.userId.lastIndexOf('.'));
        map.set(userId, [...(map.get(userId) ?? []), r]);
      }
      setByUser(map);
    });
  refresh();
  onCleanup(engine.onTrustChange(refresh));
  return { trustOf: (userId) => trustFrom(byUser().get(userId) ?? []), refresh };
}

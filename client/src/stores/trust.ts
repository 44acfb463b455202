/**
 * What this device knows about other people's identity keys, as Solid state: verified (the
 * safety number was compared), unverified (trusted on first use) or changed (the key differs from
 * the one first seen; a warning until the user looks at it). (Filled in this session.)
 */
import type { Engine } from '../e2ee/Engine';

export type Trust = 'verified' | 'unverified' | 'changed';

export interface TrustState {
  trustOf(userId: string): Trust;
  /** Re-reads the stored state (after a verification or a key change). */
  refresh(): void;
}

export function createTrust(_engine: Engine): TrustState {
  return { trustOf: () => 'unverified', refresh: () => undefined };
}

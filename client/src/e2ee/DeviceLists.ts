/**
 * Signed device lists in the app: which devices of a person may receive keys.
 *
 * Every account has an account key (client/src/crypto/DeviceList.ts): created on the account's
 * first device, carried in the key backup, never sent to the server unencrypted. It signs the
 * account's device list, which is published as `account public key ‖ signed list` (base64url,
 * `PUT /api/device-list`). Everyone else pins a person's account key the first time they see
 * it (trust on first use, like identity keys) and from then on accepts only lists signed by it
 * whose version moves forward (P12): the server can neither add a device to someone's list nor
 * bring a removed one back.
 *
 * Decisions:
 * - Sender keys go only to devices on a valid list. A device that is not listed — a new one not
 *   yet approved, or one the server invented — gets nothing. An account that has never
 *   published a list (none exists before its first device starts) is sent to as before.
 * - A new device is approved by a device holding the account key (settings → devices), or
 *   approves itself by restoring the key backup with the recovery code, which carries the key.
 *   Approval does not hand the account key over: a device that should approve others restores
 *   the backup.
 * - A list signed by a different account key than the pinned one is refused and the last
 *   accepted list is used instead; the verify screen shows it.
 */
import { createSignal } from 'solid-js';
import {
  addDevice,
  constantTimeEqual,
  decodeDeviceList,
  decodeIdentityPublic,
  findListedDevice,
  generateAccountKey,
  identityPublicOf,
  removeDevice,
  signDeviceList,
  systemRng,
  verifyDeviceList,
  type CryptoProvider,
  type DeviceList,
  type IdentityKeyPair,
} from '../crypto';
import { putDeviceList, userDevices, type PublicDevice } from '../api/keys';
import type { IndexedDbKeyStore } from '../stores/IndexedDbKeyStore';
import type { Db } from '../stores/idb';
import { fromBase64, toBase64Url } from './base64';

/** Where this device stands in its own account's list. */
export type OwnListState =
  | { kind: 'unknown' }
  /** On the list; `canApprove` when this device holds the account key. */
  | { kind: 'approved'; canApprove: boolean }
  /** Not on the list: another device must approve it, or the recovery code restores the key. */
  | { kind: 'pending' };

/** A person's signed device list at one moment: its version and the devices on it. */
export interface ListSnapshot {
  version: number;
  devices: string[];
}

/**
 * Whether a device was taken off the list between two snapshots of it, even one added and taken
 * off again in between: every publish adds or removes exactly one device and bumps the version by
 * one (approve, withdraw, a device adding itself), so the versions moved by more than the devices
 * added account for exactly when something was removed.
 */
export function removedBetween(before: ListSnapshot, after: ListSnapshot): boolean {
  const added = after.devices.filter((d) => !before.devices.includes(d)).length;
  return after.version - before.version > added;
}

/** What this device pinned for a person: their account key and the last list accepted. */
interface Pin {
  publicKey: Uint8Array;
  list: Uint8Array;
}

const ACCOUNT_KEY_LENGTH = 32;
/** How often a device waiting for approval looks at its list again, ms. */
const PENDING_RECHECK_MS = 10_000;
const pinKey = (userId: string) => `accountPin:${userId}`;

/** The published form: account public key ‖ signed list. */
export function packList(accountPublicKey: Uint8Array, signed: Uint8Array): string {
  const out = new Uint8Array(ACCOUNT_KEY_LENGTH + signed.length);
  out.set(accountPublicKey);
  out.set(signed, ACCOUNT_KEY_LENGTH);
  return toBase64Url(out);
}

function unpackList(published: string): { accountKey: Uint8Array; signed: Uint8Array } | null {
  try {
    const bytes = fromBase64(published);
    if (bytes.length <= ACCOUNT_KEY_LENGTH) return null;
    return { accountKey: bytes.slice(0, ACCOUNT_KEY_LENGTH), signed: bytes.slice(ACCOUNT_KEY_LENGTH) };
  } catch {
    return null;
  }
}

export class DeviceLists {
  private readonly ownSignal = createSignal<OwnListState>({ kind: 'unknown' });
  /** This device's standing in its own list (the devices screen and the approval banner show it). */
  readonly own = this.ownSignal[0];

  constructor(
    private readonly provider: CryptoProvider,
    private readonly store: IndexedDbKeyStore,
    private readonly db: Db,
    private readonly userId: string,
    private readonly deviceId: string,
    private readonly identity: IdentityKeyPair,
    /** The account key was created or the list changed: the backup and caches follow. */
    private readonly changed: () => void,
  ) {}

  /**
   * Brings this account's list in line with this device: the first device creates the account
   * key and the first list; a device holding the key adds itself when missing; any other device
   * is pending until approved.
   */
  syncOwn(): Promise<void> {
    // One at a time: two at once (start and a backup restore) would publish the same version.
    const run = this.ownChain.then(() => this.syncOwnNow());
    this.ownChain = run.catch((e) => console.warn('device list not synced', e));
    return run;
  }
  private ownChain: Promise<void> = Promise.resolve();

  private async syncOwnNow(): Promise<void> {
    const { deviceList } = await userDevices(this.userId);
    let accountKey = await this.store.getAccountKey();
    const self = { deviceId: this.deviceId, identity: identityPublicOf(this.identity), addedAt: Date.now() };
    if (!deviceList) {
      if (!accountKey) {
        accountKey = await generateAccountKey(this.provider, systemRng);
        await this.store.setAccountKey(accountKey);
      }
      await this.publish({ userId: this.userId, version: 1, issuedAt: Date.now(), devices: [self] });
      this.ownSignal[1]({ kind: 'approved', canApprove: true });
      this.changed();
      return;
    }
    const list = await this.accept(this.userId, deviceList.list);
    const holdsKey = !!accountKey && !!list && constantTimeEqual(accountKey.publicKey, (await this.pinOf(this.userId))!.publicKey);
    if (list && findListedDevice(list, this.deviceId, self.identity)) {
      this.ownSignal[1]({ kind: 'approved', canApprove: holdsKey });
      return;
    }
    if (list && holdsKey) {
      await this.publish(addDevice(list, self, Date.now()));
      this.ownSignal[1]({ kind: 'approved', canApprove: true });
      this.changed();
      return;
    }
    this.ownSignal[1]({ kind: 'pending' });
    // Approval happens on another device: look again now and then until it has.
    clearTimeout(this.recheck);
    if (!this.stopped) this.recheck = setTimeout(() => void this.syncOwn().catch(() => undefined), PENDING_RECHECK_MS);
  }

  private recheck: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;
  stop(): void {
    this.stopped = true;
    clearTimeout(this.recheck);
  }

  /** Adds one of this account's devices to the list (from a device holding the account key). */
  async approve(device: PublicDevice): Promise<void> {
    const list = await this.currentOwnList();
    const identity = decodeIdentityPublic(fromBase64(device.identityKey));
    if (findListedDevice(list, device.deviceId, identity)) return;
    await this.publish(addDevice(list, { deviceId: device.deviceId, identity, addedAt: Date.now() }, Date.now()));
    this.changed();
  }

  /** Takes a device off the list (when it is removed); a no-op on a device without the account key. */
  async withdraw(deviceId: string): Promise<void> {
    if (!(await this.store.getAccountKey())) return;
    const list = await this.currentOwnList().catch(() => null);
    if (!list || !list.devices.some((d) => d.deviceId === deviceId)) return;
    await this.publish(removeDevice(list, deviceId, Date.now()));
    this.changed();
  }

  /** The version and device ids of the person's last accepted list; null when they have none. */
  async pinnedList(userId: string): Promise<ListSnapshot | null> {
    const pin = await this.pinOf(userId);
    if (!pin) return null;
    const { list } = decodeDeviceList(pin.list);
    return { version: list.version, devices: list.devices.map((d) => d.deviceId) };
  }

  /** When the device was added to the person's last accepted list (their clock, signed); null when they have no list or it is not on it. */
  async listedSince(userId: string, deviceId: string): Promise<number | null> {
    const pin = await this.pinOf(userId);
    if (!pin) return null;
    return decodeDeviceList(pin.list).list.devices.find((d) => d.deviceId === deviceId)?.addedAt ?? null;
  }

  /** True when the device is on the person's last accepted list; null when they have none. */
  async isListed(userId: string, device: PublicDevice): Promise<boolean | null> {
    const pin = await this.pinOf(userId);
    if (!pin) return null;
    return !!findListedDevice(decodeDeviceList(pin.list).list, device.deviceId, decodeIdentityPublic(fromBase64(device.identityKey)));
  }

  /**
   * The devices that may receive keys: those on the person's valid list (or, when the list the
   * server returns is not acceptable, on the last one accepted); all of them when the person has
   * never published a list.
   */
  async approved(userId: string, devices: PublicDevice[], published: { list: string } | null): Promise<PublicDevice[]> {
    let list: DeviceList | null = null;
    if (published) list = await this.accept(userId, published.list);
    if (!list) {
      const pin = await this.pinOf(userId);
      if (!pin) return published ? [] : devices;
      list = decodeDeviceList(pin.list).list;
    }
    const listed = list;
    return devices.filter((d) => {
      try {
        return !!findListedDevice(listed, d.deviceId, decodeIdentityPublic(fromBase64(d.identityKey)));
      } catch {
        return false;
      }
    });
  }

  private pinOf(userId: string): Promise<Pin | undefined> {
    return this.db.get<Pin>('device', pinKey(userId));
  }

  /** Verifies a published list against the pinned account key (pinning it on first sight); the list, or null if refused. */
  private async accept(userId: string, published: string): Promise<DeviceList | null> {
    const parts = unpackList(published);
    if (!parts) return null;
    const pin = await this.pinOf(userId);
    if (pin && !constantTimeEqual(pin.publicKey, parts.accountKey)) return null;
    // The very list already pinned for this user under this key: its signature was checked when it
    // was pinned (issue #21: each refresh of a large channel's members re-verified hundreds).
    if (pin && pin.list.length === parts.signed.length && constantTimeEqual(pin.list, parts.signed)) {
      try {
        return decodeDeviceList(pin.list).list;
      } catch {
        return null;
      }
    }
    try {
      const list = await verifyDeviceList(this.provider, parts.signed, { userId, accountKey: parts.accountKey, ...(pin ? { previous: pin.list } : {}) });
      if (!pin || list.version > decodeDeviceList(pin.list).list.version) await this.db.put('device', pinKey(userId), { publicKey: parts.accountKey, list: parts.signed } satisfies Pin);
      return list;
    } catch {
      return null;
    }
  }

  private async currentOwnList(): Promise<DeviceList> {
    const { deviceList } = await userDevices(this.userId);
    const list = deviceList ? await this.accept(this.userId, deviceList.list) : null;
    if (!list) throw new Error('Your device list could not be verified.');
    return list;
  }

  private async publish(list: DeviceList): Promise<void> {
    const accountKey = await this.store.getAccountKey();
    if (!accountKey) throw new Error('Only a device holding your account key can change your device list; restore your key backup on this device first.');
    const signed = await signDeviceList(this.provider, accountKey, list);
    await putDeviceList(list.version, packList(accountKey.publicKey, signed));
    await this.db.put('device', pinKey(this.userId), { publicKey: accountKey.publicKey, list: signed } satisfies Pin);
  }
}

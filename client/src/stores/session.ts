/**
 * Who is signed in, as Solid state: the user (null when signed out), boot from a stored refresh
 * token, sign-in from a login/register response, and sign-out that ends the server session,
 * removes this device's keys from the server and wipes the local database. Screens read `user()`;
 * the chat screen registers a teardown with `onSignOut` to close its sockets first.
 */
import { createSignal } from 'solid-js';
import { configureAuth, refreshSession, setTokens, whileSigningOut } from '../api/http';
import { logout as apiLogout, type AuthResponse, type PublicUser } from '../api/auth';
import { removeDevice } from '../api/keys';
import { deviceDb, deviceWiped, reopenDeviceDb, wipeDeviceDb } from './DeviceDb';
import { navigate } from '../router';
import { closeAllSockets } from '../ws/ReconnectingSocket';
import { forgetPushHere } from '../notifications/push';

const [user, setUser] = createSignal<PublicUser | null>(null);
export { user };

/** The account changed (profile, 2FA): show the server's new view of it. */
export function updateUser(u: PublicUser): void {
  setUser(u);
}

const teardowns = new Set<() => Promise<void> | void>();
/** Runs `fn` before sign-out wipes the database; returns an unregister function. */
export function onSignOut(fn: () => Promise<void> | void): () => void {
  teardowns.add(fn);
  return () => teardowns.delete(fn);
}

configureAuth({
  persistence: {
    // After sign-out there is no token to load or clear: answer without reopening (and so
    // re-creating) the wiped database.
    async load() {
      if (deviceWiped()) return null;
      return (await (await deviceDb()).get<string>('auth', 'refreshToken')) ?? null;
    },
    async save(token) {
      if (deviceWiped() && !token) return;
      const db = await deviceDb();
      if (token) await db.put('auth', 'refreshToken', token);
      else await db.delete('auth', 'refreshToken');
    },
  },
  sessionEnded: () => setUser(null),
  refreshed: (r) => setUser(r.user),
});

/** Resumes a stored session; false when there is none. */
export async function boot(): Promise<boolean> {
  try {
    return (await refreshSession()) !== null;
  } catch {
    return false;
  }
}

/**
 * Signs in with a fresh token pair. A different user than the one whose keys are stored wipes them
 * first. `backupKeys` come from a recovery code typed or made here (registration, password reset):
 * this device then keeps the key backup (client/src/e2ee/BackupSync.ts); after a reset, the key
 * of the old code opens the existing backup once so it can be re-encrypted under the new one.
 */
export async function signIn(r: AuthResponse, backupKeys?: { current: Uint8Array; previous?: Uint8Array }): Promise<void> {
  reopenDeviceDb();
  const db = await deviceDb();
  const owner = await db.get<{ userId: string }>('device', 'self');
  if (owner && owner.userId !== r.user.id) {
    await wipeDeviceDb();
    reopenDeviceDb();
  }
  if (backupKeys) await (await deviceDb()).put('device', 'backupKeys', backupKeys);
  await setTokens(r);
  setUser(r.user);
}

/** Signs out: closes sockets, removes this device on the server, ends the session, wipes local keys. */
export function signOut(): Promise<void> {
  return whileSigningOut(async () => {
    for (const t of [...teardowns]) await t();
    closeAllSockets(); // any a screen opened that no teardown knows of
    try {
      const self = await (await deviceDb()).get<{ deviceId: string }>('device', 'self');
      if (self) await removeDevice(self.deviceId, { signOut: true }).catch(() => undefined);
      await apiLogout().catch(() => undefined);
    } finally {
      await setTokens(null).catch(() => undefined);
      // The browser's push subscription goes too (the server dropped its copy with the device).
      await forgetPushHere().catch(() => undefined);
      await wipeDeviceDb();
      // The service worker's caches hold only the public app shell, but a signed-out browser keeps
      // nothing of ours (SECURITY-TESTS V4); the worker fills them again on the next visit.
      if ('caches' in self) for (const key of await caches.keys()) await caches.delete(key).catch(() => undefined);
      setUser(null);
      // The next person to sign in starts at home, not in the settings or conversation left open
      // (once the chat screen is gone, so nothing of it reacts to the new address).
      navigate('/', true);
    }
  });
}

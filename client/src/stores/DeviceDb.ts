/**
 * The one IndexedDB database of this browser profile: the key store's object stores plus the
 * app's own (refresh token, this device's registration, decrypted message cache, sender-key
 * distribution bookkeeping). One database, so logout wipes everything with one deleteDatabase
 * (SECURITY-TESTS V4).
 *
 * Why the refresh token is here and not in localStorage: both are readable by script on this
 * origin (the CSP is what keeps foreign script out), but IndexedDB is also readable by a future
 * service worker (push, background sync), is not exposed synchronously to every script, and is
 * deleted together with the key material on logout. Its rotation with reuse detection on the
 * server bounds the damage of a copied token.
 */
import { Db } from './idb';
import { KEY_STORES } from './IndexedDbKeyStore';

export const DB_NAME = 'chatalot';
/** Bump when a store is added. */
export const DB_VERSION = 1;
/** App stores beside the key store's. */
export const APP_STORES = ['auth', 'device', 'messages', 'distributed'] as const;

let opening: Promise<Db> | null = null;
/**
 * Set by a wipe until the next sign-in: opening the database again would re-create it empty
 * (any late reader — the login screen looking for a refresh token, a closing socket — would),
 * leaving a database behind after sign-out (SECURITY-TESTS V4).
 */
let wiped = false;

/** The open database (opened once per page). Rejects after sign-out until `reopenDeviceDb()`. */
export function deviceDb(): Promise<Db> {
  if (wiped) return Promise.reject(new Error('signed out: the device database was wiped'));
  opening ??= Db.open(DB_NAME, DB_VERSION, [...KEY_STORES, ...APP_STORES]);
  return opening;
}

/** True between a sign-out's wipe and the next sign-in: there is no stored session or key. */
export function deviceWiped(): boolean {
  return wiped;
}

/** Allows the database to be opened (and created) again: called when someone signs in. */
export function reopenDeviceDb(): void {
  wiped = false;
}

/** What else sign-out deletes (the search index, which lives in a database of its own). */
const wipeHooks: (() => Promise<void>)[] = [];
export function onWipe(hook: () => Promise<void>): void {
  wipeHooks.push(hook);
}

/** Closes and deletes the whole database: keys, sessions, messages, tokens, and the search index. */
export async function wipeDeviceDb(): Promise<void> {
  const db = await opening?.catch(() => null);
  db?.close();
  opening = null;
  wiped = true;
  await Db.delete(DB_NAME);
  await Promise.all(wipeHooks.map((hook) => hook().catch((e) => console.warn('sign-out could not delete', e))));
}

/**
 * Web Push on this device (issue #17 item 2), the page's half: subscribing the browser's push
 * manager with the instance's VAPID key and handing the subscription, with this device's
 * notification levels, to the server; sending the levels again whenever they change; and
 * unsubscribing. The pushes themselves are shown by the service worker (pwa/sw.ts with
 * pwa/pushPreview.ts), which decrypts a preview on the device.
 */
import { deletePushSubscription, pushConfig, putPushSubscription } from '../api/push';
import { deviceDb } from '../stores/DeviceDb';
import { askPermission } from './desktop';
import { notificationPrefs, onNotificationPrefs, pushPrefsOf, updateNotificationPrefs } from './prefs';

/** Whether this browser can receive Web Push at all. */
export const pushSupported = () => typeof navigator !== 'undefined' && 'serviceWorker' in navigator && typeof PushManager !== 'undefined';

function fromBase64url(text: string): Uint8Array<ArrayBuffer> {
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4);
  return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
}

const sameBytes = (a: ArrayBuffer | null | undefined, b: Uint8Array) => !!a && a.byteLength === b.length && new Uint8Array(a).every((x, i) => x === b[i]);

async function ownDeviceId(): Promise<string> {
  const self = await (await deviceDb()).get<{ deviceId: string }>('device', 'self');
  if (!self) throw new Error('this device is not set up yet');
  return self.deviceId;
}

/** This browser's subscription for the instance's key, made when missing or made for another key. */
async function browserSubscription(publicKey: string): Promise<PushSubscription> {
  const registration = await navigator.serviceWorker.ready;
  const key = fromBase64url(publicKey);
  const existing = await registration.pushManager.getSubscription();
  if (existing && sameBytes(existing.options.applicationServerKey, key)) return existing;
  await existing?.unsubscribe();
  return registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
}

/** Sends this device's subscription and levels to the server. */
async function register(): Promise<void> {
  const config = await pushConfig();
  if (!config.enabled || !config.publicKey) throw new Error('unavailable');
  const sub = (await browserSubscription(config.publicKey)).toJSON();
  if (!sub.endpoint || !sub.keys?.p256dh || !sub.keys.auth) throw new Error('the browser gave an incomplete subscription');
  await putPushSubscription(await ownDeviceId(), { endpoint: sub.endpoint, keys: { p256dh: sub.keys.p256dh, auth: sub.keys.auth }, prefs: pushPrefsOf(notificationPrefs()) });
}

/** Turns push on here, after the person pressed the button that explains it. Throws with the reason. */
export async function enablePush(): Promise<void> {
  if (!pushSupported()) throw new Error('unsupported');
  if ((await askPermission()) !== 'granted') throw new Error('denied');
  await register();
  updateNotificationPrefs((p) => ({ ...p, push: true }));
}

/** Turns push off here: the server forgets the subscription, and so does the browser. */
export async function disablePush(): Promise<void> {
  updateNotificationPrefs((p) => ({ ...p, push: false }));
  await deletePushSubscription(await ownDeviceId()).catch(() => undefined);
  await (await (await navigator.serviceWorker?.getRegistration())?.pushManager.getSubscription())?.unsubscribe();
}

/** At sign-out: the browser drops its subscription (the server dropped it with the device). */
export async function forgetPushHere(): Promise<void> {
  if (!pushSupported()) return;
  if (notificationPrefs().push) updateNotificationPrefs((p) => ({ ...p, push: false }));
  await (await (await navigator.serviceWorker.getRegistration())?.pushManager.getSubscription())?.unsubscribe();
}

let timer: ReturnType<typeof setTimeout> | undefined;
/** How long level changes are gathered before they are sent, ms. */
const SYNC_DELAY_MS = 500;

/**
 * Keeps the server's copy current while the app runs: once at start (a browser may have renewed
 * its subscription) and after every change of the levels. Returns a stop function.
 */
export function keepPushInStep(): () => void {
  const sync = () => {
    clearTimeout(timer);
    timer = setTimeout(() => void (notificationPrefs().push && register().catch((e) => console.warn('push subscription not updated', e))), SYNC_DELAY_MS);
  };
  if (notificationPrefs().push && pushSupported()) sync();
  const stop = onNotificationPrefs(sync);
  return () => {
    clearTimeout(timer);
    stop();
  };
}

/**
 * Web Push configuration as the worker and the hubs read it: the instance's VAPID key
 * (VAPID_PRIVATE_KEY, generated on first start by selfhost/start.mjs; a secret on Cloudflare),
 * which push services the server will POST to, and the fetch that reaches them.
 *
 * The server POSTs to whatever endpoint a device subscribed with, so endpoints are limited to the
 * browsers' push services (PUSH_SERVICE_HOSTS; https only): a member cannot make the server send
 * requests to an address of their choosing. The test suite's push service is reached through the
 * test network only when CHATALOT_TEST_PUSH_SERVICE names its origin (never set in production).
 */
import type { Env } from '../env';
import { importVapidKeys, type PushRequest, type VapidKeys } from './webPush';
import { log, reason } from '../observability/log';

/** The push services of Chrome and Chromium browsers (FCM), Firefox (Mozilla autopush), Safari (Apple) and Edge (WNS). */
export const DEFAULT_PUSH_SERVICE_HOSTS = 'fcm.googleapis.com,updates.push.services.mozilla.com,*.push.apple.com,*.notify.windows.com';

let cached: { pem: string; subject: string | undefined; keys: Promise<VapidKeys | null> } | null = null;

/** The VAPID keys, or null when push is not configured (no VAPID_PRIVATE_KEY). */
export function vapidKeys(env: Env): Promise<VapidKeys | null> {
  const pem = env.VAPID_PRIVATE_KEY?.trim() ?? '';
  const subject = env.VAPID_SUBJECT?.trim() || undefined;
  if (!pem) return Promise.resolve(null);
  if (cached?.pem !== pem || cached.subject !== subject) {
    cached = {
      pem,
      subject,
      keys: importVapidKeys(pem, subject).catch((e) => {
        log.error('vapid_key_unreadable', { error: reason(e), effect: 'Web Push is off' });
        return null;
      }),
    };
  }
  return cached.keys;
}

function hostAllowed(hostname: string, patterns: string): boolean {
  return patterns
    .split(',')
    .map((p) => p.trim().toLowerCase())
    .filter(Boolean)
    .some((p) => (p.startsWith('*.') ? hostname.endsWith(p.slice(1)) && hostname.length > p.length - 1 : hostname === p));
}

/** Why `endpoint` may not be used as a push endpoint, or null when it may. */
export function endpointRefusal(env: Env, endpoint: string): string | null {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return 'endpoint is not a URL';
  }
  const test = env.CHATALOT_TEST_PUSH_SERVICE;
  if (test && env.PREVIEW_TEST_NET && url.origin === test) return null;
  if (url.protocol !== 'https:') return 'endpoint must be an https URL of a browser push service';
  if (url.username || url.password || url.port) return 'endpoint must not carry credentials or a port';
  if (!hostAllowed(url.hostname.toLowerCase(), env.PUSH_SERVICE_HOSTS ?? DEFAULT_PUSH_SERVICE_HOSTS)) return `endpoint: ${url.hostname} is not a push service this instance sends to (PUSH_SERVICE_HOSTS)`;
  return null;
}

/** How long one push request may take before it counts as failed. */
const SEND_TIMEOUT_MS = 10_000;

/** Sends a push request; resolves with the status, 0 when unreachable or refused here. */
export async function sendPush(env: Env, req: PushRequest): Promise<number> {
  if (endpointRefusal(env, req.endpoint)) return 0;
  const viaTestNet = env.CHATALOT_TEST_PUSH_SERVICE && env.PREVIEW_TEST_NET && new URL(req.endpoint).origin === env.CHATALOT_TEST_PUSH_SERVICE;
  const init: RequestInit = { method: 'POST', headers: req.headers, body: req.body, redirect: 'manual', signal: AbortSignal.timeout(SEND_TIMEOUT_MS) };
  const res = viaTestNet ? await env.PREVIEW_TEST_NET!.fetch(req.endpoint, init) : await fetch(req.endpoint, init);
  await res.body?.cancel().catch(() => undefined);
  return res.status;
}

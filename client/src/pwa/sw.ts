/**
 * The service worker: an offline app shell, and the streaming of encrypted media. It precaches the built client (the
 * list and a version are injected at build time by scripts/build.mjs), answers navigations from
 * the network and falls back to the cached shell when offline, and serves hashed assets from the
 * cache. It never caches or answers /api/ or /ws/ — no user data, token or ciphertext ever goes
 * into Cache Storage — and sign-out deletes its caches anyway (SECURITY-TESTS V4).
 *
 * `/media/{fileId}` is the address a page gives a `<video>` or `<audio>` of an encrypted file
 * (files/mediaStream.ts): the worker answers each Range request the element makes by asking that
 * page, over a MessageChannel, for the plaintext bytes; the page fetches and opens just the
 * chunks holding them. The worker holds no key for media and keeps nothing (no Cache Storage, no
 * memory between requests).
 *
 * `/download/{token}` saves a whole file (files/workerDownload.ts): the page registers the
 * download (the file's id and key, its name, and an access token) for one request, opens that
 * address in a hidden frame, and the worker streams the ciphertext from the server through the
 * decryption into the browser's own download, so a large file is never gathered in memory and
 * the page's thread is not in its way. The registration is forgotten when the request claims it
 * (or after half a minute), and the key with the stream.
 *
 * A new version waits until the page asks it to take over (the "new version" prompt), so a tab
 * never runs a mix of old page and new worker.
 */

import { openFileReadable } from '../crypto/FileCipher';
import { isCryptoError } from '../crypto/errors';
import { PREVIEW_DEADLINE_MS } from './pushDeadline';
import { isPushPayload, previewFor } from './pushPreview';

declare const __PRECACHE__: string[];
declare const __VERSION__: string;

/** The parts of the service-worker global scope used here (the project's lib is DOM, not WebWorker). */
interface LifecycleEvent extends Event {
  waitUntil(work: Promise<unknown>): void;
}
interface FetchLikeEvent extends LifecycleEvent {
  readonly request: Request;
  respondWith(response: Promise<Response>): void;
}
interface FetchLikeEvent {
  readonly clientId: string;
}
interface WindowClientLike {
  postMessage(message: unknown, transfer?: Transferable[]): void;
  readonly url: string;
  focus?(): Promise<WindowClientLike>;
  navigate?(url: string): Promise<WindowClientLike | null>;
}
interface PushLikeEvent extends LifecycleEvent {
  readonly data: { json(): unknown } | null;
}
interface NotificationClickLikeEvent extends LifecycleEvent {
  readonly notification: Notification;
}
interface WorkerScope {
  skipWaiting(): Promise<void>;
  readonly clients: {
    claim(): Promise<void>;
    get(id: string): Promise<WindowClientLike | undefined>;
    matchAll(options: { type: 'window'; includeUncontrolled?: boolean }): Promise<WindowClientLike[]>;
    openWindow(url: string): Promise<WindowClientLike | null>;
  };
  readonly registration: ServiceWorkerRegistration;
  addEventListener(type: 'install' | 'activate', listener: (e: LifecycleEvent) => void): void;
  addEventListener(type: 'fetch', listener: (e: FetchLikeEvent) => void): void;
  addEventListener(type: 'message', listener: (e: MessageEvent) => void): void;
  addEventListener(type: 'push', listener: (e: PushLikeEvent) => void): void;
  addEventListener(type: 'notificationclick', listener: (e: NotificationClickLikeEvent) => void): void;
}

const scope = self as unknown as WorkerScope;
const PREFIX = 'chatalot-shell-';
const CACHE = `${PREFIX}${__VERSION__}`;

scope.addEventListener('install', (e) => {
  e.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(__PRECACHE__)));
});

scope.addEventListener('activate', (e) => {
  e.waitUntil(
    (async () => {
      for (const key of await caches.keys()) if (key.startsWith(PREFIX) && key !== CACHE) await caches.delete(key);
      await scope.clients.claim();
    })(),
  );
});

/** A download the page registered, waiting for its request. */
interface PendingDownload {
  id: string;
  key: Uint8Array;
  name: string;
  size: number;
  access: string;
  port: MessagePort;
  timer: ReturnType<typeof setTimeout>;
}
const downloads = new Map<string, PendingDownload>();
/** How long a registered download waits for its request, ms. */
const DOWNLOAD_CLAIM_MS = 30_000;
const TOKEN = /^[A-Za-z0-9_-]{22}$/;

/** Takes a download registration from the page (files/workerDownload.ts), if well-formed. */
function registerDownload(data: Record<string, unknown>, port: MessagePort | undefined): void {
  const { token, id, key, name, size, access } = data;
  if (!port || typeof token !== 'string' || !TOKEN.test(token) || typeof id !== 'string' || !TOKEN.test(id)) return;
  if (!(key instanceof Uint8Array) || key.length !== 32 || typeof name !== 'string' || typeof access !== 'string') return;
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) return;
  const timer = setTimeout(() => downloads.delete(token), DOWNLOAD_CLAIM_MS);
  downloads.set(token, { id, key, name, size, access, port, timer });
  port.postMessage({ ready: true });
}

scope.addEventListener('message', (e) => {
  const data = e.data as { type?: string } | null;
  if (data?.type === 'skip-waiting') void scope.skipWaiting();
  if (data?.type === 'download') registerDownload(data as Record<string, unknown>, e.ports[0]);
});

/** `filename*` for a Content-Disposition (RFC 6266 / RFC 8187), with a plain ASCII fallback. */
function disposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

/** Streams registered download `token`: ciphertext from the server, decrypted on the way out. */
async function download(token: string): Promise<Response> {
  const d = downloads.get(token);
  downloads.delete(token);
  if (!d) return new Response('This download has expired. Press Download again.', { status: 404, headers: { 'Content-Type': 'text/plain; charset=utf-8' } });
  clearTimeout(d.timer);
  const res = await fetch(`/api/files/${d.id}/content`, { headers: { Authorization: `Bearer ${d.access}` } }).catch(() => null);
  if (!res?.ok || !res.body) {
    d.port.postMessage({ error: res?.status === 404 ? 'not-found' : 'network', status: res?.status ?? 0 });
    return new Response(null, { status: res?.status ?? 502 });
  }
  const reader = openFileReadable(res.body, d.key, d.size).getReader();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (!done) return controller.enqueue(value);
        controller.close();
        d.port.postMessage({ done: true });
      } catch (err) {
        // The download fails in the browser, and the page says why.
        d.port.postMessage({ error: isCryptoError(err) && (err.code === 'tampered' || err.code === 'file-truncated') ? err.code : 'network' });
        controller.error(err);
      }
    },
    cancel(reason) {
      d.port.postMessage({ error: 'cancelled' });
      return reader.cancel(reason);
    },
  });
  return new Response(body, {
    headers: {
      'Content-Type': 'application/octet-stream',
      'Content-Length': String(d.size),
      'Content-Disposition': disposition(d.name),
      'X-Content-Type-Options': 'nosniff',
      'Cache-Control': 'no-store',
    },
  });
}

/** Puts a successful same-origin response into the shell cache (re-filled after a sign-out emptied it). */
async function remember(request: Request, response: Response): Promise<void> {
  // The browser asks for the tab icon again whenever the address changes, sign-out's included;
  // it comes back with the next install, so it does not re-create the cache sign-out emptied.
  if (new URL(request.url).pathname === '/icon.svg') return;
  if (response.ok && response.type === 'basic') await (await caches.open(CACHE)).put(request, response.clone());
}

async function networkFirst(request: Request): Promise<Response> {
  try {
    const response = await fetch(request);
    // Only the app's own page is the shell: a tab opened on /icon.svg (or any other file of the
    // origin) was kept as /index.html, and the app then opened offline as that picture.
    if (/^text\/html\s*(;|$)/i.test(response.headers.get('Content-Type') ?? '')) await remember(new Request('/index.html'), response);
    return response;
  } catch {
    const cached = (await caches.match('/index.html')) ?? (await caches.match('/'));
    if (cached) return cached;
    throw new Error('offline and the app shell is not cached');
  }
}

async function cacheFirst(request: Request): Promise<Response> {
  const cached = await caches.match(request);
  if (cached) return cached;
  const response = await fetch(request);
  await remember(request, response);
  return response;
}

/** How long the page may take to answer for media, ms (it fetches and decrypts up to 256 KiB). */
const MEDIA_ANSWER_MS = 60_000;

/** Asks the page `client` something about a media file; its answer (null when it does not know the file). */
function ask<T>(client: WindowClientLike, question: unknown): Promise<T | null> {
  const channel = new MessageChannel();
  return new Promise<T | null>((resolve) => {
    const timer = setTimeout(() => resolve(null), MEDIA_ANSWER_MS);
    channel.port1.onmessage = (m) => (clearTimeout(timer), channel.port1.close(), resolve(m.data as T | null));
    client.postMessage(question, [channel.port2]);
  });
}

/** `bytes=a-b` or `bytes=a-` (one range); null for anything else. */
function parseRange(header: string | null, size: number): { start: number; end: number } | null {
  if (!header) return { start: 0, end: size - 1 };
  const m = /^bytes=(\d+)-(\d*)$/.exec(header.trim());
  if (!m) return null;
  const start = Number(m[1]);
  const end = m[2] ? Math.min(Number(m[2]), size - 1) : size - 1;
  return start <= end ? { start, end } : null;
}

/** The page that shows file `id`: the one that asked, or (a media element's request may not say) any window that knows it. */
async function pageFor(e: FetchLikeEvent, id: string): Promise<{ client: WindowClientLike; info: { size: number; type: string } } | null> {
  const asking = e.clientId ? await scope.clients.get(e.clientId) : undefined;
  const candidates = asking ? [asking] : await scope.clients.matchAll({ type: 'window' });
  for (const client of candidates) {
    const info = await ask<{ size: number; type: string }>(client, { type: 'media-info', id });
    if (info) return { client, info };
  }
  return null;
}

async function media(e: FetchLikeEvent, id: string): Promise<Response> {
  const found = await pageFor(e, id);
  if (!found) return new Response(null, { status: 404 });
  const { client, info } = found;
  const range = parseRange(e.request.headers.get('Range'), info.size);
  if (!range) return new Response(null, { status: 416, headers: { 'Content-Range': `bytes */${info.size}` } });
  const answer = await ask<{ bytes?: ArrayBuffer; error?: string }>(client, { type: 'media-range', id, start: range.start, end: range.end });
  if (!answer?.bytes) return new Response(null, { status: 502, statusText: answer?.error ?? 'no answer' });
  // The page answers at most 256 KiB: the element asks again from where this ends.
  const end = range.start + answer.bytes.byteLength - 1;
  return new Response(answer.bytes, {
    status: 206,
    headers: {
      'Content-Type': info.type,
      'Content-Length': String(answer.bytes.byteLength),
      'Content-Range': `bytes ${range.start}-${end}/${info.size}`,
      'Accept-Ranges': 'bytes',
      'Cache-Control': 'no-store',
    },
  });
}

scope.addEventListener('fetch', (e) => {
  const { request } = e;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== location.origin) return;
  const mediaId = /^\/media\/([A-Za-z0-9_-]{22})$/.exec(url.pathname)?.[1];
  if (mediaId) return e.respondWith(media(e, mediaId));
  const downloadToken = /^\/download\/([A-Za-z0-9_-]{22})$/.exec(url.pathname)?.[1];
  if (downloadToken) return e.respondWith(download(downloadToken));
  if (url.pathname.startsWith('/api/') || url.pathname.startsWith('/ws/') || url.pathname === '/sw.js') return;
  if (request.mode === 'navigate') return e.respondWith(networkFirst(request));
  if (url.pathname.startsWith('/assets/') || __PRECACHE__.includes(url.pathname)) e.respondWith(cacheFirst(request));
});

// ── Web Push (issue #17 item 2) ─────────────────────────────────────────────────────────────

/** Shows the notification for a push: decrypted on this device when it can be (pwa/pushPreview.ts). */
async function showPush(data: unknown, keepAlive: (work: Promise<unknown>) => void): Promise<void> {
  if (!isPushPayload(data)) return scope.registration.showNotification('Chatalot', { tag: 'chatalot' });
  const started = Date.now();
  // previewFor gives up on the network at PREVIEW_DEADLINE_MS; a device database that does not
  // open gets a little longer, then the push says "New message" rather than nothing.
  let timer: ReturnType<typeof setTimeout> | undefined;
  const stalled = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), PREVIEW_DEADLINE_MS + 5_000)));
  const preview = await Promise.race([
    previewFor(data, keepAlive).catch((e: unknown) => {
      // At debug level: why a push said only "New message" can be read from the worker's console.
      console.debug(`push preview failed: ${e instanceof Error ? e.message : String(e)}`);
      return null;
    }),
    stalled,
  ]);
  clearTimeout(timer);
  await scope.registration.showNotification(preview?.title ?? 'New message', {
    body: preview?.body ?? '',
    tag: data.channelId,
    renotify: true,
    icon: '/icon.svg',
    data: { href: preview?.href ?? '/', seq: data.seq, decrypted: preview?.decrypted ?? false, ms: Date.now() - started },
  } as NotificationOptions);
  console.debug(`push: notification shown after ${Date.now() - started} ms`);
}

scope.addEventListener('push', (e) => {
  let data: unknown = null;
  try {
    data = e.data?.json() ?? null;
  } catch {
    data = null;
  }
  e.waitUntil(showPush(data, (work) => e.waitUntil(work)));
});

/** A click on a notification: the app's window comes forward on that conversation, or a new one opens there. */
scope.addEventListener('notificationclick', (e) => {
  const href = (e.notification.data as { href?: string } | null)?.href ?? '/';
  const target = `${location.origin}/#${href.startsWith('/') ? href : '/'}`;
  e.notification.close();
  e.waitUntil(
    (async () => {
      const [open] = await scope.clients.matchAll({ type: 'window', includeUncontrolled: true });
      if (open?.focus) {
        await open.navigate?.(target).catch(() => null);
        await open.focus();
      } else await scope.clients.openWindow(target);
    })(),
  );
});

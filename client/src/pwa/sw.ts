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
 * chunks holding them. The worker holds no key and keeps nothing (no Cache Storage, no memory
 * between requests).
 *
 * A new version waits until the page asks it to take over (the "new version" prompt), so a tab
 * never runs a mix of old page and new worker.
 */

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
  postMessage(message: unknown, transfer: Transferable[]): void;
}
interface WorkerScope {
  skipWaiting(): Promise<void>;
  readonly clients: { claim(): Promise<void>; get(id: string): Promise<WindowClientLike | undefined>; matchAll(options: { type: 'window' }): Promise<WindowClientLike[]> };
  addEventListener(type: 'install' | 'activate', listener: (e: LifecycleEvent) => void): void;
  addEventListener(type: 'fetch', listener: (e: FetchLikeEvent) => void): void;
  addEventListener(type: 'message', listener: (e: MessageEvent) => void): void;
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

scope.addEventListener('message', (e) => {
  if ((e.data as { type?: string } | null)?.type === 'skip-waiting') void scope.skipWaiting();
});

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
    await remember(new Request('/index.html'), response);
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
  if (url.pathname.startsWith('/api/') || url.pathname.startsWith('/ws/') || url.pathname === '/sw.js') return;
  if (request.mode === 'navigate') return e.respondWith(networkFirst(request));
  if (url.pathname.startsWith('/assets/') || __PRECACHE__.includes(url.pathname)) e.respondWith(cacheFirst(request));
});

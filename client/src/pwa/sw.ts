/**
 * The service worker: an offline app shell, nothing else. It precaches the built client (the
 * list and a version are injected at build time by scripts/build.mjs), answers navigations from
 * the network and falls back to the cached shell when offline, and serves hashed assets from the
 * cache. It never caches or answers /api/ or /ws/ — no user data, token or ciphertext ever goes
 * into Cache Storage — and sign-out deletes its caches anyway (SECURITY-TESTS V4).
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
interface WorkerScope {
  skipWaiting(): Promise<void>;
  readonly clients: { claim(): Promise<void> };
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

scope.addEventListener('fetch', (e) => {
  const { request } = e;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== location.origin) return;
  if (url.pathname.startsWith('/api/') || url.pathname.startsWith('/ws/') || url.pathname === '/sw.js') return;
  if (request.mode === 'navigate') return e.respondWith(networkFirst(request));
  if (url.pathname.startsWith('/assets/') || __PRECACHE__.includes(url.pathname)) e.respondWith(cacheFirst(request));
});

/**
 * Registers the service worker (built by scripts/build.mjs into /sw.js) and tells the app when a new version
 * is installed and waiting, so it can offer to reload into it.
 */
import { createSignal } from 'solid-js';

const [updateReady, setUpdateReady] = createSignal<ServiceWorker | null>(null);
export { updateReady };

/** Activates the waiting version; the page reloads when it takes control. */
export function applyUpdate(): void {
  updateReady()?.postMessage({ type: 'skip-waiting' });
}

export function registerServiceWorker(): void {
  if (!('serviceWorker' in navigator)) return;
  const hadController = !!navigator.serviceWorker.controller;
  let reloading = false;
  navigator.serviceWorker.addEventListener('controllerchange', () => {
    // The first install takes control silently; a later one means the user chose to update.
    if (!hadController || reloading) return;
    reloading = true;
    location.reload();
  });
  void navigator.serviceWorker.register('/sw.js').then((registration: ServiceWorkerRegistration | undefined) => {
    // A browser told to block service workers (a test harness, some private modes) answers with nothing.
    if (!registration) return;
    const watch = (worker: ServiceWorker | null) => {
      if (!worker) return;
      const check = () => worker.state === 'installed' && navigator.serviceWorker.controller && setUpdateReady(worker);
      check();
      worker.addEventListener('statechange', check);
    };
    watch(registration.waiting);
    registration.addEventListener('updatefound', () => watch(registration.installing));
    // Look for a new version when the app comes back to the foreground.
    document.addEventListener('visibilitychange', () => document.visibilityState === 'visible' && void registration.update().catch(() => undefined));
  }, () => undefined); // no worker under the Vite dev server (there is no /sw.js there), or a browser that refuses it
}

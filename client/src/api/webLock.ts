/**
 * Runs `fn` holding the browser's Web Lock `name`, shared by every tab and the service worker of
 * this origin; without the Web Locks API (an old browser, the unit tests) it runs `fn` directly.
 * The lock is held until `fn`'s promise settles, and the answer is what it resolves to.
 */
export function withLock<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
  return locks ? (locks.request(name, fn) as unknown as Promise<T>) : fn();
}

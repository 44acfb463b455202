/**
 * Hash routing: `#/login`, `#/register`, `#/setup`, `#/join/<code>`, `#/c/<community>/<channel>`,
 * `#/dm/<channel>`, `#/settings/<section>`, `#/verify/<user>`, `#/recover`, `#/legal/terms`, `#/legal/privacy`, `#/` (home). Hash routes keep invite links (`/#/join/<code>`) working on any
 * static host and never send the route (or an invite code) to the server in a request path.
 */
import { createSignal } from 'solid-js';

export type Route =
  | { name: 'home' }
  | { name: 'login' }
  | { name: 'register' }
  | { name: 'setup' }
  | { name: 'join'; code: string }
  | { name: 'channel'; communityId: string; channelId: string }
  | { name: 'community'; communityId: string }
  | { name: 'dm'; channelId: string }
  | { name: 'settings'; section: string }
  | { name: 'verify'; userId: string }
  | { name: 'recover' }
  | { name: 'legal'; doc: 'terms' | 'privacy' };

const ID = '([A-Za-z0-9_-]{1,64})';

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '') || '/';
  let m: RegExpMatchArray | null;
  if (path === '/login') return { name: 'login' };
  if (path === '/register') return { name: 'register' };
  if (path === '/setup') return { name: 'setup' };
  if (path === '/recover') return { name: 'recover' };
  if (path === '/legal/terms' || path === '/legal/privacy') return { name: 'legal', doc: path === '/legal/terms' ? 'terms' : 'privacy' };
  if (path === '/settings') return { name: 'settings', section: 'profile' };
  if ((m = path.match(/^\/settings\/([a-z-]{1,32})$/))) return { name: 'settings', section: m[1]! };
  if ((m = path.match(new RegExp(`^/verify/${ID}$`)))) return { name: 'verify', userId: m[1]! };
  if ((m = path.match(new RegExp(`^/join/${ID}$`)))) return { name: 'join', code: m[1]! };
  if ((m = path.match(new RegExp(`^/c/${ID}/${ID}$`)))) return { name: 'channel', communityId: m[1]!, channelId: m[2]! };
  if ((m = path.match(new RegExp(`^/c/${ID}$`)))) return { name: 'community', communityId: m[1]! };
  if ((m = path.match(new RegExp(`^/dm/${ID}$`)))) return { name: 'dm', channelId: m[1]! };
  return { name: 'home' };
}

/** Same place, same route: a hash set by `navigate` and the hashchange it causes do not count as two moves. */
function sameRoute(a: Route, b: Route): boolean {
  const x = a as Record<string, string>;
  const y = b as Record<string, string>;
  const keys = Object.keys(x);
  return keys.length === Object.keys(y).length && keys.every((k) => x[k] === y[k]);
}
const [route, setRoute] = createSignal<Route>(parseRoute(location.hash), { equals: sameRoute });
addEventListener('hashchange', () => setRoute(parseRoute(location.hash)));
export { route };

/** Navigates to a hash path such as `/c/abc/def`. */
export function navigate(path: string, replace = false): void {
  const hash = '#' + path;
  if (replace) {
    history.replaceState(null, '', hash);
    setRoute(parseRoute(hash));
  } else location.hash = hash;
}

/** After sign-in: go where the user was headed (an invite link) or home. */
export function afterSignIn(): void {
  const pending = sessionStorage.getItem('chatalot.pendingJoin');
  if (pending) {
    sessionStorage.removeItem('chatalot.pendingJoin');
    navigate(`/join/${pending}`, true);
  } else if (['login', 'register', 'setup', 'recover'].includes(route().name)) navigate('/', true);
}

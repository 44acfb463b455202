/**
 * Fetching a link preview safely (issue #15 item 6). The server fetches a page on a member's
 * behalf, so it must not become a way into the network it sits in (SSRF):
 *
 * - only http and https, no credentials in the address, no local names;
 * - an address written as an IP (in any of the forms URL parsing normalises: 0x7f.1, 2130706433)
 *   must be public: loopback, private, link-local (169.254.169.254, the cloud metadata address),
 *   carrier-grade NAT, multicast, reserved and their IPv6 forms are refused before any request;
 * - a host name is resolved by workerd's network service, which connects to public addresses
 *   only (its default `allow = ["public"]`, applied to the addresses DNS returns at connect time),
 *   so a name that resolves, or later re-resolves (DNS rebinding), to a private address is never
 *   reached. On Cloudflare the same holds for `fetch()`;
 * - redirects are followed by hand, at most three, each checked again;
 * - the answer must be HTML, is read at most PREVIEW_MAX_BYTES while it streams, and the whole
 *   fetch has PREVIEW_TIMEOUT_MS; no cookies are sent or kept (workerd keeps none).
 */
import { ApiError } from '../protocol/errors';
import { MAX_PREVIEW_DESCRIPTION_CHARS, MAX_PREVIEW_SITE_CHARS, MAX_PREVIEW_TITLE_CHARS, type LinkPreview } from '../protocol/linkPreview';

export const PREVIEW_MAX_BYTES = 512 * 1024;
export const PREVIEW_TIMEOUT_MS = 5_000;
export const PREVIEW_MAX_REDIRECTS = 3;

type Fetch = (url: string, init: RequestInit) => Promise<Response>;

const V4_BLOCKED: [number, number][] = [
  [0x00000000, 8], // "this" network
  [0x0a000000, 8], // private
  [0x64400000, 10], // carrier-grade NAT
  [0x7f000000, 8], // loopback
  [0xa9fe0000, 16], // link-local (cloud metadata)
  [0xac100000, 12], // private
  [0xc0000000, 24], // IETF protocol assignments
  [0xc0000200, 24], // documentation
  [0xc0a80000, 16], // private
  [0xc6120000, 15], // benchmarking
  [0xc6336400, 24], // documentation
  [0xcb007100, 24], // documentation
  [0xe0000000, 3], // multicast and reserved, broadcast
];

function v4(host: string): number | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (!m) return null;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return null;
  return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
}

const blockedV4 = (a: number) => V4_BLOCKED.some(([net, bits]) => (a >>> (32 - bits)) === (net >>> (32 - bits)));

/** Why an IPv6 literal (without brackets) is not public, or null. */
function blockedV6(host: string): boolean {
  const h = host.toLowerCase();
  if (h === '::' || h === '::1') return true;
  // IPv4-mapped and -compatible forms: judged as the IPv4 address they carry.
  const mapped = /^::(ffff:)?(\d+\.\d+\.\d+\.\d+)$/.exec(h) ?? /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(h);
  if (mapped) {
    if (mapped[2]?.includes('.')) return blockedV4(v4(mapped[2])!) ?? true;
    const hi = parseInt(mapped[1]!, 16);
    const lo = parseInt(mapped[2]!, 16);
    return blockedV4(((hi << 16) | lo) >>> 0);
  }
  const first = parseInt(h.split(':')[0] || '0', 16);
  // fc00::/7 unique local, fe80::/10 link-local, ff00::/8 multicast, 2001:db8::/32 documentation.
  return (first & 0xfe00) === 0xfc00 || (first & 0xffc0) === 0xfe80 || (first & 0xff00) === 0xff00 || h.startsWith('2001:db8:') || h.startsWith('64:ff9b:');
}

/** Why the server will not fetch `url`, or null when it may try. */
export function refusal(url: URL, testHost?: string): string | null {
  if (testHost !== undefined && url.hostname === testHost && url.protocol === 'http:') return null;
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'only http and https addresses are previewed';
  if (url.username || url.password) return 'addresses with a user name or password are not previewed';
  // Web pages live on 80 and 443; any other port is how a preview would reach a mail, database
  // or admin service on a public host (SECURITY-TESTS S4). The URL parser drops a scheme's own
  // default port, so an empty port is 80 or 443.
  if (url.port !== '' && url.port !== '80' && url.port !== '443') return `port ${url.port} is not previewed: only web pages on ports 80 and 443 are`;
  const host = url.hostname.toLowerCase().replace(/\.$/, '');
  if (host === 'localhost' || host.endsWith('.localhost') || host.endsWith('.local') || host.endsWith('.internal') || !host.includes('.') && !host.startsWith('[')) return `${host} is a local name, not a public address`;
  if (host.startsWith('[')) return blockedV6(host.slice(1, -1)) ? `${host} is not a public address` : null;
  const a = v4(host);
  if (a !== null && blockedV4(a)) return `${host} is not a public address`;
  return null;
}

const decodeEntities = (s: string) =>
  s
    .replace(/&#x([0-9a-f]{1,6});/gi, (_, h: string) => String.fromCodePoint(Math.min(parseInt(h, 16), 0x10ffff)))
    .replace(/&#(\d{1,7});/g, (_, d: string) => String.fromCodePoint(Math.min(Number(d), 0x10ffff)))
    .replace(/&(amp|lt|gt|quot|apos|#39|nbsp);/g, (_, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", '#39': "'", nbsp: ' ' })[e] ?? '');

const clean = (s: string | undefined, max: number) => {
  if (s === undefined) return undefined;
  const t = decodeEntities(s).replace(/\s+/g, ' ').trim();
  return t === '' ? undefined : t.slice(0, max);
};

/** The title, description and site name a page declares (Open Graph first, then <title> and meta description). */
export function readPreview(html: string, url: string): LinkPreview {
  const meta = (key: string) => {
    for (const tag of html.match(/<meta\b[^>]*>/gi) ?? []) {
      const name = /\b(?:property|name)\s*=\s*["']([^"']+)["']/i.exec(tag)?.[1]?.toLowerCase();
      if (name !== key) continue;
      const content = /\bcontent\s*=\s*"([^"]*)"|\bcontent\s*=\s*'([^']*)'/i.exec(tag);
      if (content) return content[1] ?? content[2];
    }
    return undefined;
  };
  const title = clean(meta('og:title') ?? /<title[^>]*>([\s\S]*?)<\/title>/i.exec(html)?.[1], MAX_PREVIEW_TITLE_CHARS);
  const description = clean(meta('og:description') ?? meta('description'), MAX_PREVIEW_DESCRIPTION_CHARS);
  const siteName = clean(meta('og:site_name'), MAX_PREVIEW_SITE_CHARS);
  return { url, ...(title ? { title } : {}), ...(description ? { description } : {}), ...(siteName ? { siteName } : {}) };
}

/** Fetches `address` under the rules above and reads its preview. */
export async function fetchPreview(address: string, fetcher: Fetch, testHost?: string): Promise<LinkPreview> {
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    throw new ApiError('validation_failed', 'url: not an absolute address');
  }
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), PREVIEW_TIMEOUT_MS);
  try {
    for (let hop = 0; ; hop++) {
      const why = refusal(url, testHost);
      if (why) throw new ApiError('address_refused', why);
      let res: Response;
      try {
        res = await fetcher(url.href, { redirect: 'manual', signal: abort.signal, headers: { 'User-Agent': 'ChatalotLinkPreview/1', Accept: 'text/html,application/xhtml+xml' } });
      } catch {
        if (abort.signal.aborted) throw new ApiError('gateway_timeout', `the page did not answer within ${PREVIEW_TIMEOUT_MS / 1000} s`);
        throw new ApiError('bad_gateway', `${url.host} could not be reached (only public addresses are)`);
      }
      if ([301, 302, 303, 307, 308].includes(res.status)) {
        await res.body?.cancel();
        const location = res.headers.get('Location');
        if (!location) throw new ApiError('bad_gateway', 'the page redirected nowhere');
        if (hop >= PREVIEW_MAX_REDIRECTS) throw new ApiError('bad_gateway', `more than ${PREVIEW_MAX_REDIRECTS} redirects`);
        url = new URL(location, url);
        continue;
      }
      if (!res.ok) {
        await res.body?.cancel();
        throw new ApiError('bad_gateway', `the page answered ${res.status}`);
      }
      const type = res.headers.get('Content-Type') ?? '';
      if (!/^(text\/html|application\/xhtml\+xml)\b/i.test(type)) {
        await res.body?.cancel();
        throw new ApiError('unsupported_media_type', 'the address is not a web page');
      }
      if (Number(res.headers.get('Content-Length') ?? 0) > PREVIEW_MAX_BYTES) {
        await res.body?.cancel();
        throw new ApiError('payload_too_large', `the page is larger than ${PREVIEW_MAX_BYTES / 1024} KiB`);
      }
      const html = await readBounded(res, abort.signal);
      return readPreview(html, url.href);
    }
  } finally {
    clearTimeout(timer);
  }
}

async function readBounded(res: Response, signal: AbortSignal): Promise<string> {
  const reader = res.body!.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > PREVIEW_MAX_BYTES) {
        await reader.cancel();
        throw new ApiError('payload_too_large', `the page is larger than ${PREVIEW_MAX_BYTES / 1024} KiB`);
      }
      chunks.push(value);
    }
  } catch (e) {
    if (e instanceof ApiError) throw e;
    if (signal.aborted) throw new ApiError('gateway_timeout', `the page did not answer within ${PREVIEW_TIMEOUT_MS / 1000} s`);
    throw new ApiError('bad_gateway', 'the page stopped before its end');
  }
  const all = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) (all.set(c, at), (at += c.length));
  return new TextDecoder('utf-8', { fatal: false }).decode(all);
}

/**
 * A fake Tenor for the GIF tests (issue #15 item 7): it speaks the v2 search API (results with
 * media_formats gif and tinygif), serves GIF bytes, checks the operator's key and records every
 * request, on 127.0.0.2, the test instance's only reachable loopback address.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The smallest valid GIF: one transparent pixel. */
export const PIXEL_GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');
/** The operator's key the fake accepts. */
export const TENOR_KEY = 'test-tenor-key';
const KEY = TENOR_KEY;

/** A fake Tenor v2: /v2/search with the key, /media/<id>.gif. Requests are recorded in `log`. */
export async function fakeTenor(): Promise<{ server: Server; base: string; log: { path: string; agent: string; key: string | null }[] }> {
  const log: { path: string; agent: string; key: string | null }[] = [];
  let base = '';
  const server = createServer((req, res) => {
    const url = new URL(req.url!, 'http://x');
    log.push({ path: url.pathname, agent: req.headers['user-agent'] ?? '', key: url.searchParams.get('key') });
    if (url.pathname === '/v2/search') {
      if (url.searchParams.get('key') !== KEY) return res.writeHead(400, { 'Content-Type': 'application/json' }).end('{"error":{"code":400,"message":"API key not valid"}}');
      const q = url.searchParams.get('q') ?? '';
      const results = [1, 2, 3].map((n) => ({ id: `${q}-${n}`, content_description: `${q} number ${n}`, media_formats: { gif: { url: `${base}/media/${q}-${n}.gif`, dims: [1, 1], size: PIXEL_GIF.length }, tinygif: { url: `${base}/media/${q}-${n}-tiny.gif`, dims: [1, 1] } } }));
      // One result pointing elsewhere: the server must drop it.
      results.push({ id: 'evil', content_description: 'elsewhere', media_formats: { gif: { url: 'http://127.0.0.1/evil.gif', dims: [1, 1], size: 1 }, tinygif: { url: 'http://127.0.0.1/evil.gif', dims: [1, 1] } } });
      return res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ results, next: '' }));
    }
    if (url.pathname.startsWith('/media/')) return res.writeHead(200, { 'Content-Type': 'image/gif', 'Content-Length': String(PIXEL_GIF.length) }).end(PIXEL_GIF);
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.2', resolve));
  base = `http://127.0.0.2:${(server.address() as AddressInfo).port}`;
  return { server, base, log };
}


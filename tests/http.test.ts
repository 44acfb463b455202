/**
 * The HTTP skeleton on the real server: health, uniform JSON errors, the static client, and
 * security headers on every kind of response (SECURITY-TESTS I9).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from './helpers/server';

let server: RunningServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => server?.kill());

const REQUIRED_HEADERS: Record<string, RegExp> = {
  'content-security-policy': /^default-src 'self';.*script-src 'self'(?!.*unsafe-inline).*frame-ancestors 'none'/,
  'x-frame-options': /^DENY$/,
  'x-content-type-options': /^nosniff$/,
  'referrer-policy': /^no-referrer$/,
  'permissions-policy': /geolocation=\(\)/,
};

describe('HTTP skeleton', () => {
  it('GET /api/health reports status, version, storage and uptime', async () => {
    const res = await fetch(`${server.url}/api/health`);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    const body = await res.json();
    expect(body).toEqual({ status: 'ok', version: '0.1.0', storage: 'sqlite', uptimeSeconds: expect.any(Number) });
  });

  it('unknown API routes are 404 with a JSON error', async () => {
    const res = await fetch(`${server.url}/api/does-not-exist`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: { code: 'not_found', message: 'no route for GET /api/does-not-exist' } });
  });

  it('serves the web client with a real content type, and index.html for client routes', async () => {
    const index = await fetch(`${server.url}/`);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await index.text();
    expect(html).toMatch(/<div id="root">/);
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)![1]!;
    const js = await fetch(`${server.url}${script}`);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(js.headers.get('cache-control')).toMatch(/immutable/);
    const deep = await fetch(`${server.url}/channels/abc`);
    expect(await deep.text()).toBe(html);
    const missing = await fetch(`${server.url}/assets/missing.js`);
    expect(missing.status).toBe(404);
  });

  it('never exposes a directory listing or a dotfile', async () => {
    for (const path of ['/assets/', '/assets', '/.build-stamp', '/%2e%2e/package.json', '/..%2fpackage.json']) {
      const res = await fetch(`${server.url}${path}`);
      const text = await res.text();
      expect(text).not.toMatch(/"type":"file"/);
      expect(text).not.toMatch(/"name": "chatalot"/);
    }
  });

  it('I9: security headers on every response, errors included; no HSTS over plain HTTP', async () => {
    const probes = [
      fetch(`${server.url}/api/health`),
      fetch(`${server.url}/api/nope`),
      fetch(`${server.url}/`),
      fetch(`${server.url}/icon.svg`),
      fetch(`${server.url}/assets/missing.js`),
      fetch(`${server.url}/ws/channels/x`),
      fetch(`${server.url}/ws/nope`),
      fetch(`${server.url}/anything`, { method: 'DELETE' }),
    ];
    for (const res of await Promise.all(probes)) {
      for (const [name, pattern] of Object.entries(REQUIRED_HEADERS)) expect(res.headers.get(name), `${name} on ${res.url} (${res.status})`).toMatch(pattern);
      expect(res.headers.get('strict-transport-security')).toBeNull();
    }
  });
});

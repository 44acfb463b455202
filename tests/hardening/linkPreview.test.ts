/**
 * Issue #15 item 6: the link-preview endpoint cannot be turned against the network the server
 * sits in (SSRF), and reads only what a preview needs. A fake "external" site runs on 127.0.0.2,
 * which the test server may reach (CHATALOT_TEST_PREVIEW_HOST and the test-only network in
 * selfhost/config.capnp); every other loopback, private, link-local and metadata address is
 * refused, written as an IP in any form, reached by a redirect, or named by a local name.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, registerUser, type TestUser } from '../helpers/accounts';
import { startServer, type RunningServer } from '../helpers/server';
import { refusal } from '../../worker/linkPreview';

let server: RunningServer;
let site: Server;
let base: string;
let user: TestUser;
/** What the fake site was asked for. */
const asked: string[] = [];
const BOMB = gzipSync(Buffer.concat([Buffer.from('<html><head><title>bomb</title></head><body>'), Buffer.alloc(64 * 1024 * 1024, 0x20)]), { level: 9 });

beforeAll(async () => {
  site = createServer((req, res) => {
    asked.push(req.url!);
    const { pathname } = new URL(req.url!, 'http://x');
    const html = (body: string) => (res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }), res.end(body));
    if (pathname === '/page') return html('<html><head><title>Plain title</title><meta property="og:title" content="The &amp; Page"><meta name="description" content="What it is about"><meta property="og:site_name" content="Example"></head><body>hi</body></html>');
    if (pathname === '/to-page') return res.writeHead(302, { Location: '/page' }).end();
    if (pathname === '/to-loopback') return res.writeHead(302, { Location: `http://127.0.0.1:${(site.address() as AddressInfo).port}/page` }).end();
    if (pathname === '/to-metadata') return res.writeHead(301, { Location: 'http://169.254.169.254/latest/meta-data/' }).end();
    if (pathname === '/to-private') return res.writeHead(307, { Location: 'http://10.0.0.1/' }).end();
    if (pathname === '/to-port') return res.writeHead(302, { Location: 'http://example.com:6379/' }).end();
    if (pathname.startsWith('/loop')) return res.writeHead(302, { Location: `/loop${Number(pathname.slice(5) || 0) + 1}` }).end();
    if (pathname === '/big') {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.write('<html><head><title>big</title></head><body>');
      for (let i = 0; i < 700; i++) res.write('x'.repeat(1024));
      return res.end('</body></html>');
    }
    if (pathname === '/bomb') {
      // 64 MiB of page in 64 KiB of gzip: the limit counts what the page unpacks to.
      res.writeHead(200, { 'Content-Type': 'text/html', 'Content-Encoding': 'gzip', 'Content-Length': String(BOMB.length) });
      return res.end(BOMB);
    }
    if (pathname === '/slow') {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.write('<html><head>');
      return setTimeout(() => res.end('<title>late</title></head></html>'), 8_000).unref();
    }
    if (pathname === '/json') return res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"title":"no"}');
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.2', resolve));
  base = `http://127.0.0.2:${(site.address() as AddressInfo).port}`;
  server = await startServer({ env: { REGISTRATION_MODE: 'open', LINK_PREVIEWS: 'on', CHATALOT_TEST_PREVIEW_HOST: '127.0.0.2' } });
  user = await registerUser(server, `previewer${Date.now() % 100000}`);
});
afterAll(async () => {
  await server?.kill();
  site?.close();
});

/** Asks for a preview, waiting out the per-account limit (2 a second) when it is reached. */
async function preview(url: string, who: TestUser | null = user): Promise<{ status: number; body: { error: { code: string } } & Record<string, unknown> }> {
  for (;;) {
    const r = (await call(server, who, 'POST', '/api/link-preview', { url })) as { status: number; body: { error: { code: string } } & Record<string, unknown> };
    if (r.status !== 429) return r;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

describe('link previews', () => {
  it('15.6: reads the title, description and site name of a page (Open Graph first), after a redirect; needs a signed-in user', async () => {
    const r = await preview(`${base}/to-page`);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ url: `${base}/page`, title: 'The & Page', description: 'What it is about', siteName: 'Example' });
    expect((await preview(`${base}/page`, null)).status).toBe(401);
  });

  it('15.6 SSRF S1/S4: loopback, private, link-local and metadata addresses in every spelling, local names, other schemes and other ports are refused before any request', async () => {
    const refused = [
      'http://127.0.0.1/', 'http://127.1/', 'http://0x7f.0.0.1/', 'http://2130706433/', 'http://0.0.0.0/', 'http://[::1]/', 'http://[::ffff:127.0.0.1]/', 'http://[::ffff:7f00:1]/',
      'http://10.0.0.1/', 'http://172.16.0.1/', 'http://172.31.255.255/', 'http://192.168.1.1/', 'http://169.254.169.254/latest/meta-data/', 'http://100.64.0.1/', 'http://[fd00::1]/', 'http://[fe80::1]/',
      'http://localhost/', 'http://localhost.:8080/', 'http://anything.localhost/', 'http://printer.local/', 'http://metadata.google.internal/', 'http://intranet/',
    ];
    for (const url of refused) {
      const r = await preview(url);
      expect([r.status, r.body.error.code], url).toEqual([422, 'address_refused']);
    }
    for (const url of ['ftp://example.com/', 'file:///etc/passwd', 'gopher://example.com/', 'javascript:alert(1)', 'data:text/html,<title>x</title>', 'http://user:pw@example.com/']) {
      const r = await preview(url);
      expect(r.status, url).toBe(422);
    }
    // S1: a canary listening on loopback records every connection; no spelling of loopback reaches it.
    let hits = 0;
    const canary = createServer((_req, res) => (hits++, res.end('<title>canary</title>')));
    await new Promise<void>((r) => canary.listen(0, '127.0.0.1', r));
    const port = (canary.address() as AddressInfo).port;
    try {
      for (const host of ['127.0.0.1', 'localhost', '127.1', '0177.0.0.1', '0x7f.1', '2130706433', '[::ffff:127.0.0.1]', '[::1]', '0.0.0.0']) {
        const r = await preview(`http://${host}:${port}/`);
        expect(r.status, host).toBe(422);
      }
      expect(hits).toBe(0);
    } finally {
      canary.close();
    }
    // S4: a public host, but a port other than 80 and 443 (mail, Redis, SSH); the scheme's own default port is fine.
    for (const url of ['http://example.com:6379/', 'https://example.com:22/', 'http://93.184.216.34:25/', 'http://example.com:8080/']) {
      const r = await preview(url);
      expect([r.status, r.body.error.code], url).toEqual([422, 'address_refused']);
    }
    expect(refusal(new URL('https://example.com:443/'))).toBeNull();
    expect(refusal(new URL('http://example.com:80/'))).toBeNull();
    expect(refusal(new URL('https://example.com:80/'))).toBeNull();
    expect((await preview('not a url')).body.error.code).toBe('validation_failed');
  });

  it('15.6 SSRF S3/S5: a redirect to a loopback, private or metadata address is refused; too many redirects, a non-HTML answer, an oversized page, a gzip bomb and a slow page each get a clear error', async () => {
    for (const path of ['/to-loopback', '/to-metadata', '/to-private', '/to-port']) {
      const r = await preview(`${base}${path}`);
      expect([r.status, r.body.error.code], path).toEqual([422, 'address_refused']);
    }
    // None of those redirects was followed: the fake site's /page was not asked for by them.
    expect(asked.filter((p) => p === '/page')).toHaveLength(1);
    expect((await preview(`${base}/loop0`)).body.error.code).toBe('bad_gateway');
    expect((await preview(`${base}/json`)).body.error.code).toBe('unsupported_media_type');
    expect((await preview(`${base}/big`)).body.error.code).toBe('payload_too_large');
    const bombStarted = Date.now();
    expect((await preview(`${base}/bomb`)).body.error.code).toBe('payload_too_large');
    expect(Date.now() - bombStarted).toBeLessThan(5_000);
    const started = Date.now();
    const slow = await preview(`${base}/slow`);
    expect(slow.body.error.code).toBe('gateway_timeout');
    expect(Date.now() - started).toBeLessThan(8_000);
  }, 30_000);

  it('15.6: at most 2 previews a second per account', async () => {
    const answers = await Promise.all(Array.from({ length: 6 }, () => call(server, user, 'POST', '/api/link-preview', { url: `${base}/page` })));
    expect(answers.some((a) => a.status === 429)).toBe(true);
  });

  it('15.6: off unless the operator turns it on', async () => {
    const plain = await startServer({ env: { REGISTRATION_MODE: 'open' } });
    try {
      const someone = await registerUser(plain, `noprev${Date.now() % 100000}`);
      const r = await call(plain, someone, 'POST', '/api/link-preview', { url: `${base}/page` });
      expect([r.status, (r.body as { error: { code: string } }).error.code]).toEqual([404, 'not_found']);
    } finally {
      await plain.kill();
    }
  });
});

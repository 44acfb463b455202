/**
 * Issue #19 item 8: `npm start` serves https itself with TLS_CERT_PATH and TLS_KEY_PATH — the
 * operator's certificate (checked here against it as the trusted CA, under its own name), the API
 * and the WebSockets over TLS, and no plain http on that port. Half a pair is refused at start.
 * With HTTP_REDIRECT_ADDR, plain http there answers every request with a redirect to https and
 * serves nothing else; without TLS, or with an https port of 0, that setting is refused.
 */
import { request as httpRequest } from 'node:http';
import { request } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startServer, type RunningServer } from '../helpers/server';
import { makeCertificate } from '../helpers/tlsCert';
import { freePort } from '../setup/postgres';
import { ConfigError, readConfig } from '../../selfhost/config.mjs';

const tls = makeCertificate();
let server: RunningServer;
beforeAll(async () => {
  server = await startServer({ env: { REGISTRATION_MODE: 'open', TLS_CERT_PATH: tls.certPath, TLS_KEY_PATH: tls.keyPath } });
}, 90_000);
afterAll(async () => server?.kill());

/** A request to the server as `chatalot.test`, trusting only the test's certificate. */
function call(method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const port = Number(new URL(server.url).port);
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, servername: 'chatalot.test', ca: tls.cert, method, path, headers: { Host: `chatalot.test:${port}`, ...(body ? { 'Content-Type': 'application/json' } : {}), ...(token ? { Authorization: `Bearer ${token}` } : {}) }, checkServerIdentity: (_h, cert) => (cert.subject.CN === 'chatalot.test' ? undefined : new Error('wrong certificate')) }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode!, body: text ? JSON.parse(text) : {} }));
    });
    req.on('error', reject);
    req.end(body ? JSON.stringify(body) : undefined);
  });
}

describe('TLS without a proxy', () => {
  it('19.8: start says https; the API and the channel socket work over TLS with the operator’s certificate', async () => {
    expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect((await call('GET', '/api/health')).body).toMatchObject({ status: 'ok' });
    const reg = await call('POST', '/api/auth/register', { acceptTerms: 1, username: 'tls_owner', password: 'correct horse battery staple', recoveryVerifier: 'A'.repeat(43) });
    expect(reg.status).toBe(201);
    const token = reg.body.accessToken as string;
    const created = await call('POST', '/api/communities', { name: 'Over TLS' }, token);
    const channelId = (created.body.channels as { id: string }[])[0]!.id;
    const port = new URL(server.url).port;
    const ws = new WebSocket(`wss://127.0.0.1:${port}/ws/channels/${channelId}`, ['chatalot.v1', `bearer.${token}`], { ca: tls.cert, headers: { Host: `chatalot.test:${port}` } });
    const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
      ws.on('open', () => ws.send(JSON.stringify({ type: 'hello', lastSeq: 0 })));
      ws.on('message', (m) => {
        const f = JSON.parse(String(m));
        if (f.type === 'ready') resolve(f);
      });
      ws.on('error', reject);
    });
    expect(ready).toMatchObject({ type: 'ready', head: 0 });
    ws.close();
  });

  it('19.8: plain http on the TLS port gets no answer', async () => {
    const port = new URL(server.url).port;
    await expect(fetch(`http://127.0.0.1:${port}/api/health`, { signal: AbortSignal.timeout(10_000) })).rejects.toThrow();
  });
});

describe('plain http redirected to https', () => {
  it('19.8: HTTP_REDIRECT_ADDR answers every plain-http request with a 308 to the same place over https, and serves nothing itself', async () => {
    const httpsPort = await freePort();
    const redirecting = await startServer({ env: { REGISTRATION_MODE: 'open', TLS_CERT_PATH: tls.certPath, TLS_KEY_PATH: tls.keyPath, LISTEN_ADDR: `127.0.0.1:${httpsPort}`, HTTP_REDIRECT_ADDR: '127.0.0.1:0' } });
    try {
      const port = Number(/redirecting http:\/\/127\.0\.0\.1:(\d+) to https/.exec(redirecting.output())?.[1]);
      expect(port).toBeGreaterThan(0);
      // node:http, not fetch: fetch will not send a Host header of our choosing.
      const plain = (method: string, path: string) =>
        new Promise<{ status: number; location: string | undefined; body: string }>((resolve, reject) => {
          const req = httpRequest({ host: '127.0.0.1', port, method, path, headers: { Host: `chatalot.test:${port}`, ...(method === 'POST' ? { 'Content-Type': 'application/json' } : {}) } }, (res) => {
            let body = '';
            res.on('data', (d) => (body += d));
            res.on('end', () => resolve({ status: res.statusCode!, location: res.headers.location, body }));
          });
          req.on('error', reject);
          req.end(method === 'POST' ? '{}' : undefined);
        });
      for (const [method, path] of [['GET', '/'], ['GET', '/api/health'], ['GET', '/c/abc/def?x=1'], ['POST', '/api/auth/login']] as const) {
        const res = await plain(method, path);
        expect(res.status, path).toBe(308);
        expect(res.location).toBe(`https://chatalot.test:${httpsPort}${path}`);
        expect(res.body).toBe('');
      }
    } finally {
      await redirecting.kill();
    }
  });

  it('19.8: HTTP_REDIRECT_ADDR without TLS, or with LISTEN_ADDR on port 0, is refused at start', () => {
    expect(() => readConfig({ HTTP_REDIRECT_ADDR: '127.0.0.1:8081' }, '/tmp')).toThrow(ConfigError);
    expect(() => readConfig({ HTTP_REDIRECT_ADDR: '127.0.0.1:8081' }, '/tmp')).toThrow(/needs TLS_CERT_PATH/);
    expect(() => readConfig({ HTTP_REDIRECT_ADDR: '127.0.0.1:8081', TLS_CERT_PATH: tls.certPath, TLS_KEY_PATH: tls.keyPath, LISTEN_ADDR: '127.0.0.1:0' }, '/tmp')).toThrow(/fixed https port/);
  });
});


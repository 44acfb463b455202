/**
 * Issue #19 item 8: `npm start` serves https itself with TLS_CERT_PATH and TLS_KEY_PATH — the
 * operator's certificate (checked here against it as the trusted CA, under its own name), the API
 * and the WebSockets over TLS, and no plain http on that port. Half a pair is refused at start.
 */
import { request } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startServer, type RunningServer } from '../helpers/server';
import { makeCertificate } from '../helpers/tlsCert';

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

/**
 * SECURITY-TESTS D1: every route that reads a body stops at its limit while the body streams.
 * A chunked body (no Content-Length) that passes the limit and is never finished is answered
 * while still open, on every route in the manifest that takes a body, and the key backup
 * route's 16 MiB limit holds without workerd's memory growing past what the limit allows (it had
 * grown by 2 GB for a 1 GB upload: the whole body was read before the check).
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_JSON_BODY_BYTES } from '../../protocol/limits';
import { MAX_KEY_BACKUP_BYTES } from '../../protocol/keys';
import { ROUTES } from '../../worker/routes/manifest';
import { registerUser, type TestUser } from '../helpers/accounts';
import { startServer, type RunningServer } from '../helpers/server';
import { rssBytes, workerdPid } from './process';

/**
 * Streams a chunked body (no Content-Length) a piece at a time until `limit` plus two pieces have
 * been written, then stops writing without ending the body and waits for the answer. A server
 * that refuses at its limit while streaming answers then; one that waits for the whole body never
 * does, and the call resolves with status 0 after `waitMs`.
 */
function streamPastLimit(url: string, method: string, headers: Record<string, string>, limit: number, piece = 64 * 1024, waitMs = 15_000): Promise<{ status: number; sent: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers: { ...headers, 'Transfer-Encoding': 'chunked' } });
    let sent = 0;
    let answered = false;
    const chunk = Buffer.alloc(piece, 0x20);
    const timer = setTimeout(() => (req.destroy(), resolve({ status: 0, sent, body: 'no answer while the body was still open' })), waitMs);
    req.on('response', (res) => {
      answered = true;
      let body = '';
      res.on('data', (d) => (body += d));
      const done = () => (clearTimeout(timer), resolve({ status: res.statusCode ?? 0, sent, body }), req.destroy());
      res.on('end', done);
      res.on('close', done);
    });
    req.on('error', (e: NodeJS.ErrnoException) => {
      if (answered) return;
      clearTimeout(timer);
      // A server that answers before reading any of the body (a 404 for an unknown id) closes the
      // connection under the writer: that too is "never waited for the whole body".
      if (e.code === 'ECONNRESET' || e.code === 'EPIPE') resolve({ status: -1, sent, body: `closed by the server (${e.code})` });
      else reject(e);
    });
    const pump = () => {
      while (!answered && sent < limit + 2 * piece) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
    };
    pump();
  });
}

describe('D1 request bodies are bounded while they stream', () => {
  let server: RunningServer;
  let user: TestUser;
  beforeAll(async () => {
    server = await startServer({ env: { REGISTRATION_MODE: 'open' } });
    user = await registerUser(server, `bodies${Date.now() % 100000}`);
  });
  afterAll(() => server?.stop());

  const withBodies = ROUTES.filter((r) => r.body !== undefined);

  it.each(withBodies.map((r) => [r.method, r.path, r.bodyLimit ?? MAX_JSON_BODY_BYTES] as const))('D1 %s %s answers a chunked body past its limit (%i bytes) before it ends, never with 5xx', async (method, path, limit) => {
    const concrete = path.replace(/\{[^}]+\}/g, 'x0000000000000000000000');
    const headers: Record<string, string> = { 'Content-Type': 'application/json', Authorization: `Bearer ${user.accessToken}` };
    const r = await streamPastLimit(`${server.url}${concrete}`, method, headers, limit);
    // The route may refuse earlier for another reason (no such resource, not allowed), but never
    // after swallowing the whole body (status 0), and never with a 5xx.
    expect(r.status, r.body).not.toBe(0);
    expect(r.status, r.body).toBeLessThan(500);
    if (r.status === 413) expect(JSON.parse(r.body).error.code).toBe('payload_too_large');
  });

  it('D1 every body route answers 413 for its own oversized chunked body when the caller may use it', async () => {
    // The routes a signed-in user may call without any resource: the body is read before anything else.
    for (const path of ['/api/me', '/api/dms', '/api/communities', '/api/devices']) {
      const method = path === '/api/me' ? 'PATCH' : 'POST';
      const r = await streamPastLimit(`${server.url}${path}`, method, { 'Content-Type': 'application/json', Authorization: `Bearer ${user.accessToken}` }, MAX_JSON_BODY_BYTES);
      expect(r.status, `${method} ${path}: ${r.body}`).toBe(413);
    }
  });

  it('D1 PUT /api/key-backup: a chunked upload is refused once it passes 16 MiB, while still open, and workerd memory grows by less than twice the limit (what it may hold while reading)', async () => {
    const pid = workerdPid(server);
    const before = rssBytes(pid);
    const r = await streamPastLimit(`${server.url}/api/key-backup`, 'PUT', { 'Content-Type': 'application/octet-stream', 'X-Backup-Version': '1', Authorization: `Bearer ${user.accessToken}` }, MAX_KEY_BACKUP_BYTES, 256 * 1024);
    expect(r.status, r.body).toBe(413);
    expect(JSON.parse(r.body).error.code).toBe('payload_too_large');
    const grew = rssBytes(pid) - before;
    expect(grew).toBeLessThan(MAX_KEY_BACKUP_BYTES * 2);
    // Nothing was stored.
    const status = await fetch(`${server.url}/api/key-backup/status`, { headers: { Authorization: `Bearer ${user.accessToken}` } });
    expect(await status.json()).toEqual({ exists: false });
  });
});

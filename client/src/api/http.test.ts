/**
 * The client's side of `POST /api/batch`: GETs asked for in one task travel as one request, and
 * every caller gets what it would have got alone — its body, its error, a refresh and retry after
 * an expired token, a read too large for a batch fetched on its own. The server's side (each read
 * authorised and rate limited as if alone) is tests/hardening/batch.test.ts; the browser suite
 * runs the real thing on every chat screen it opens.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { api, ApiRequestError, configureAuth, setTokens } from './http';

type Handler = (path: string, init: RequestInit) => Response | Promise<Response>;
let sent: { path: string; method: string; body: unknown; auth: string | null }[] = [];

function serve(handler: Handler) {
  vi.stubGlobal('fetch', async (path: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    sent.push({ path, method: init.method ?? 'GET', body: typeof init.body === 'string' ? JSON.parse(init.body) : undefined, auth: headers.get('Authorization') });
    return handler(path, init);
  });
}

/** A server whose reads answer `/api/x` with `{ path }`, `/api/missing` with 404, and `/api/big` only alone. */
const reads = (path: string): { status: number; body: unknown } =>
  path === '/api/missing' ? { status: 404, body: { error: { code: 'not_found', message: 'no such thing' } } } : { status: 200, body: { path } };

function batchServer(extra?: Handler): Handler {
  return async (path, init) => {
    const extraRes = await extra?.(path, init);
    if (extraRes) return extraRes;
    if (path === '/api/batch') {
      const { paths } = JSON.parse(init.body as string) as { paths: string[] };
      return Response.json({ results: paths.map((p) => (p === '/api/big' ? { status: 413, body: { error: { code: 'too_large', message: 'alone' } } } : reads(p))) });
    }
    const r = reads(path);
    return Response.json(r.body, { status: r.status });
  };
}

beforeEach(async () => {
  sent = [];
  await setTokens({ accessToken: 'token-1', refreshToken: 'refresh-1', expiresIn: 900 });
});
afterEach(() => vi.unstubAllGlobals());

describe('api(): GETs of one task in one batch', () => {
  it('sends the GETs of one task as one POST /api/batch and gives each caller its own answer or error', async () => {
    serve(batchServer());
    const calls = [api('/api/a'), api('/api/b'), api('/api/missing').catch((e: unknown) => e)];
    const [a, b, missing] = await Promise.all(calls);
    expect(a).toEqual({ path: '/api/a' });
    expect(b).toEqual({ path: '/api/b' });
    expect(missing).toBeInstanceOf(ApiRequestError);
    expect([(missing as ApiRequestError).status, (missing as ApiRequestError).code]).toEqual([404, 'not_found']);
    expect(sent).toEqual([{ path: '/api/batch', method: 'POST', body: { paths: ['/api/a', '/api/b', '/api/missing'] }, auth: 'Bearer token-1' }]);
  });

  it('sends a lone GET as itself, and never batches a write or an unauthenticated read', async () => {
    serve(batchServer());
    expect(await api('/api/a')).toEqual({ path: '/api/a' });
    await Promise.all([api('/api/w', { method: 'POST', body: {} }), api('/api/p', { auth: false }), api('/api/h', { headers: { 'X-Test': '1' } })]);
    expect(sent.map((s) => `${s.method} ${s.path}`)).toEqual(['GET /api/a', 'POST /api/w', 'GET /api/p', 'GET /api/h']);
  });

  it('reads a result too large for a batch on its own', async () => {
    serve(batchServer());
    const [a, big] = await Promise.all([api('/api/a'), api('/api/big')]);
    expect([a, big]).toEqual([{ path: '/api/a' }, { path: '/api/big' }]);
    expect(sent.map((s) => `${s.method} ${s.path}`)).toEqual(['POST /api/batch', 'GET /api/big']);
  });

  it('a batch refused for an expired token refreshes once, and each read is retried and answered', async () => {
    configureAuth({ persistence: { load: async () => 'refresh-1', save: async () => undefined }, sessionEnded: () => undefined, refreshed: () => undefined });
    serve(
      batchServer((path, init) => {
        if (path === '/api/auth/refresh') return Response.json({ accessToken: 'token-2', refreshToken: 'refresh-2', expiresIn: 900 });
        if (path === '/api/batch' && new Headers(init.headers).get('Authorization') === 'Bearer token-1') return Response.json({ error: { code: 'unauthorized', message: 'expired' } }, { status: 401 });
        return undefined as unknown as Response;
      }),
    );
    expect(await Promise.all([api('/api/a'), api('/api/b')])).toEqual([{ path: '/api/a' }, { path: '/api/b' }]);
    expect(sent.filter((s) => s.path === '/api/auth/refresh')).toHaveLength(1);
    const batches = sent.filter((s) => s.path === '/api/batch');
    expect(batches.map((b) => b.auth)).toEqual(['Bearer token-1', 'Bearer token-2']);
    expect(batches[1]!.body).toEqual({ paths: ['/api/a', '/api/b'] });
  });

  it('a batch that cannot be sent fails each read as the network failure it is', async () => {
    serve(() => Promise.reject(new TypeError('Failed to fetch')));
    const errors = await Promise.all([api('/api/a').catch((e: unknown) => e), api('/api/b').catch((e: unknown) => e)]);
    for (const e of errors) expect([(e as ApiRequestError).status, (e as ApiRequestError).code]).toEqual([0, 'network']);
  });
});

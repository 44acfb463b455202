/**
 * D1 for POST /api/batch: what a batch carries is bounded while it streams — one read past
 * MAX_BATCH_ITEM_BYTES, reads together past MAX_BATCH_BYTES, and answers that are not JSON come
 * back `too_large` (for the client to read alone) without failing the rest. The authorization and
 * rate-limit side, against the real server, is tests/hardening/batch.test.ts.
 */
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import type { AppEnv } from '../app';
import { batchHandler } from './batch';
import { MAX_BATCH_BYTES, MAX_BATCH_ITEM_BYTES } from '../../protocol/limits';

function testApp() {
  const app = new Hono<AppEnv>();
  app.get('/api/small', (c) => c.json({ ok: true }));
  app.get('/api/over-item', (c) => c.json({ s: 'x'.repeat(MAX_BATCH_ITEM_BYTES + 10) }));
  app.get('/api/near-item/:n', (c) => c.json({ s: 'x'.repeat(MAX_BATCH_ITEM_BYTES - 100), n: c.req.param('n') }));
  app.get('/api/text', (c) => c.text('plain words'));
  app.get('/api/lying', (c) => c.body('{"not json', 200, { 'Content-Type': 'application/json' }));
  app.get('/api/empty', (c) => c.body(null, 204));
  app.post('/api/batch', batchHandler(app));
  return app;
}

async function batch(paths: string[]) {
  const res = await testApp().request('/api/batch', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ paths }) });
  expect(res.status).toBe(200);
  return ((await res.json()) as { results: { status: number; body: { error?: { code: string } } | null }[] }).results;
}

describe('POST /api/batch bounds (D1)', () => {
  it('a read past its cap, not JSON, or not the JSON it claims is too_large; the others answer', async () => {
    const results = await batch(['/api/over-item', '/api/text', '/api/lying', '/api/small', '/api/empty']);
    expect(results.map((r) => r.status)).toEqual([413, 413, 413, 200, 204]);
    for (const r of results.slice(0, 3)) expect(r.body?.error?.code).toBe('too_large');
    expect(results[3]!.body).toEqual({ ok: true });
    expect(results[4]!.body).toBeNull();
  });

  it('reads together never carry more than MAX_BATCH_BYTES', async () => {
    const n = Math.ceil(MAX_BATCH_BYTES / MAX_BATCH_ITEM_BYTES) + 2;
    const results = await batch(Array.from({ length: n }, (_, i) => `/api/near-item/${i}`));
    const carried = results.filter((r) => r.status === 200);
    const refused = results.filter((r) => r.status === 413);
    expect(carried.length + refused.length).toBe(n);
    expect(refused.length).toBeGreaterThanOrEqual(2);
    expect(refused.every((r) => r.body?.error?.code === 'too_large')).toBe(true);
    expect(JSON.stringify(carried).length).toBeLessThanOrEqual(MAX_BATCH_BYTES + 1000 * n);
  });
});

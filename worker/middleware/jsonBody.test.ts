/**
 * The JSON body reader: content type, size cap before parsing, parse errors with their
 * position, strict schemas (SECURITY-TESTS I1–I4), run through a Hono app exactly as routes use it.
 */
import { Hono } from 'hono';
import * as v from 'valibot';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonBody } from './jsonBody';
import { onError } from './errors';

const Body = v.strictObject({ name: v.pipe(v.string(), v.maxLength(32)), count: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0))) });
const app = new Hono();
app.post('/echo', async (c) => c.json(await jsonBody(c, Body, 1024)));
app.onError(onError);

const post = (body: BodyInit, type = 'application/json', headers: Record<string, string> = {}) =>
  app.request('/echo', { method: 'POST', body, headers: { 'Content-Type': type, ...headers } });

describe('jsonBody', () => {
  it('accepts a valid body', async () => {
    const res = await post(JSON.stringify({ name: 'x', count: 2 }));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ name: 'x', count: 2 });
  });

  it('415 for another content type', async () => {
    const res = await post('name=x', 'application/x-www-form-urlencoded');
    expect(res.status).toBe(415);
    expect(await res.json()).toEqual({ error: { code: 'unsupported_media_type', message: 'send the body as application/json' } });
  });

  it('400 for malformed JSON, naming the parse position', async () => {
    const res = await post('{"name": "x",}');
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('invalid_json');
    expect(body.error.message).toMatch(/position 13/);
  });

  it('I1: 413 over the cap, by declared length and while streaming', async () => {
    const big = JSON.stringify({ name: 'x'.repeat(2000) });
    const declared = await post(big);
    expect(declared.status).toBe(413);
    expect(((await declared.json()) as { error: { code: string } }).error.code).toBe('payload_too_large');
    const stream = new ReadableStream({
      start(c) {
        c.enqueue(new TextEncoder().encode(big));
        c.close();
      },
    });
    const streamed = await app.request('/echo', { method: 'POST', body: stream, headers: { 'Content-Type': 'application/json' }, duplex: 'half' } as RequestInit);
    expect(streamed.status).toBe(413);
  });

  it('I2: extra fields and wrong types are 400 naming the field', async () => {
    const extra = await post(JSON.stringify({ name: 'x', isAdmin: true }));
    expect(extra.status).toBe(400);
    expect(((await extra.json()) as { error: { message: string } }).error.message).toMatch(/isAdmin/);
    const wrong = await post(JSON.stringify({ name: 5 }));
    expect(((await wrong.json()) as { error: { code: string; message: string } }).error).toMatchObject({ code: 'validation_failed', message: expect.stringMatching(/^name: /) });
  });

  it('I2: arbitrary JSON never yields a 500', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), async (value) => {
        const res = await post(JSON.stringify(value));
        expect([200, 400, 413]).toContain(res.status);
      }),
      { numRuns: 200 },
    );
  });

  it('I3: deep nesting and huge numbers are refused quickly without a stack overflow', async () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    const started = performance.now();
    const res = await app.request('/echo', { method: 'POST', body: deep, headers: { 'Content-Type': 'application/json' } });
    expect(res.status).toBe(413);
    expect(performance.now() - started).toBeLessThan(50);
    const nested = '{"name":'.repeat(100) + '"x"' + '}'.repeat(100);
    expect((await post(nested)).status).toBe(400);
    expect((await post('{"name":"x","count":1e999}')).status).toBe(400);
  });

  it('I4: __proto__ and constructor.prototype payloads have no effect', async () => {
    const res = await post('{"name":"x","__proto__":{"polluted":true}}');
    expect(res.status).toBe(400);
    await post('{"name":"x","constructor":{"prototype":{"polluted":true}}}');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

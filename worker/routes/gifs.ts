/**
 * GIF search through the instance (issue #15 item 7; protocol/gifs.ts says why). Tenor's v2 API
 * is asked with the operator's key (GIF_API_KEY); results come back with media addresses on
 * Tenor's media hosts, which GET /api/gifs/media fetches for the member: only https addresses on
 * tenor.com hosts (nothing else, so it is no general proxy), GIF or WebP, at most MAX_GIF_BYTES.
 */
import { Hono } from 'hono';
import * as v from 'valibot';
import type { AppEnv } from '../app';
import { ApiError } from '../../protocol/errors';
import { GifSearchQuery, MAX_GIF_BYTES, MAX_GIF_RESULTS, type GifResult } from '../../protocol/gifs';
import { noStore, requireAuth } from '../middleware/auth';

const TENOR_API = 'https://tenor.googleapis.com/v2';

/** Where the provider is, and how to reach it (tests: a fake Tenor on the test network). */
function provider(env: AppEnv['Bindings']): { api: string; fetch: (url: string, init?: RequestInit) => Promise<Response>; mediaHost: (u: URL) => boolean } {
  const test = env.CHATALOT_TEST_GIF_API;
  if (test && env.PREVIEW_TEST_NET) {
    const origin = new URL(test).origin;
    return { api: test, fetch: (u, init) => env.PREVIEW_TEST_NET!.fetch(u, init), mediaHost: (u) => u.origin === origin };
  }
  return { api: TENOR_API, fetch: (u, init) => fetch(u, init), mediaHost: (u) => u.protocol === 'https:' && (u.hostname === 'tenor.com' || u.hostname.endsWith('.tenor.com')) };
}

interface TenorMedia {
  url?: string;
  dims?: number[];
}
interface TenorResult {
  id?: string;
  content_description?: string;
  media_formats?: Record<string, TenorMedia>;
}

const media = (u: string) => `/api/gifs/media?url=${encodeURIComponent(u)}`;

export const gifRoutes = new Hono<AppEnv>()
  .use('*', requireAuth)
  .use('*', noStore)
  .use('*', async (c, next) => {
    if (!c.env.GIF_API_KEY) throw new ApiError('not_found', 'GIF search is off on this instance (GIF_API_KEY)');
    await next();
  })

  .get('/search', async (c) => {
    const parsed = v.safeParse(GifSearchQuery, { q: c.req.query('q') ?? '' });
    if (!parsed.success) throw new ApiError('validation_failed', parsed.issues[0].message);
    const p = provider(c.env);
    const url = `${p.api}/search?${new URLSearchParams({ q: parsed.output.q, key: c.env.GIF_API_KEY!, client_key: 'chatalot', limit: String(MAX_GIF_RESULTS), media_filter: 'gif,tinygif', contentfilter: 'medium' })}`;
    let res: Response;
    try {
      res = await p.fetch(url, { signal: AbortSignal.timeout(5_000), headers: { Accept: 'application/json' } });
    } catch {
      throw new ApiError('bad_gateway', 'the GIF service could not be reached');
    }
    if (!res.ok) throw new ApiError('bad_gateway', `the GIF service answered ${res.status}`);
    const body = (await res.json().catch(() => null)) as { results?: TenorResult[] } | null;
    const results: GifResult[] = [];
    for (const r of body?.results ?? []) {
      const gif = r.media_formats?.gif;
      const tiny = r.media_formats?.tinygif ?? gif;
      if (!r.id || !gif?.url || !tiny?.url || !URL.canParse(gif.url) || !URL.canParse(tiny.url)) continue;
      if (!p.mediaHost(new URL(gif.url)) || !p.mediaHost(new URL(tiny.url))) continue;
      const [width, height] = gif.dims ?? [0, 0];
      results.push({ id: String(r.id).slice(0, 64), description: String(r.content_description ?? '').slice(0, 200), width: Number(width) || 0, height: Number(height) || 0, preview: media(tiny.url), gif: media(gif.url) });
      if (results.length >= MAX_GIF_RESULTS) break;
    }
    return c.json({ results });
  })

  .get('/media', async (c) => {
    const address = c.req.query('url') ?? '';
    const p = provider(c.env);
    if (!URL.canParse(address) || !p.mediaHost(new URL(address))) throw new ApiError('forbidden', 'only the GIF service’s own media addresses are fetched');
    let res: Response;
    try {
      res = await p.fetch(address, { signal: AbortSignal.timeout(10_000), redirect: 'manual' });
    } catch {
      throw new ApiError('bad_gateway', 'the GIF could not be fetched');
    }
    const type = res.headers.get('Content-Type') ?? '';
    if (!res.ok || !res.body) throw new ApiError('bad_gateway', `the GIF service answered ${res.status}`);
    if (!/^image\/(gif|webp)\b/i.test(type)) {
      await res.body.cancel();
      throw new ApiError('unsupported_media_type', 'the GIF service sent something that is not a GIF');
    }
    if (Number(res.headers.get('Content-Length') ?? 0) > MAX_GIF_BYTES) {
      await res.body.cancel();
      throw new ApiError('payload_too_large', `GIFs larger than ${MAX_GIF_BYTES / 1024 / 1024} MiB are not fetched`);
    }
    // Streamed, and cut off at the bound while it streams.
    let seen = 0;
    const bounded = res.body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          seen += chunk.length;
          if (seen > MAX_GIF_BYTES) controller.error(new Error('too large'));
          else controller.enqueue(chunk);
        },
      }),
    );
    return c.body(bounded, 200, { 'Content-Type': type.split(';')[0]!.trim(), 'X-Content-Type-Options': 'nosniff', 'Content-Disposition': 'attachment' });
  });

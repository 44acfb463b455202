/**
 * `POST /api/link-preview` (issue #15 item 6): the sender's client asks for the title and
 * description of a public page it is about to link to, and sends them inside the message's
 * ciphertext. Off unless the operator sets LINK_PREVIEWS=on; at most 2 a second per account. The
 * server sees the addresses it is asked for and keeps nothing (SECURITY.md).
 */
import { Hono } from 'hono';
import type { AppEnv } from '../app';
import { ApiError } from '../../protocol/errors';
import { LinkPreviewRequest } from '../../protocol/linkPreview';
import { jsonBody } from '../middleware/jsonBody';
import { errorResponse } from '../middleware/errors';
import { fetchPreview, refusal } from '../linkPreview';
import { requireAuth } from '../middleware/auth';

/** Previews one account may ask for per second (one second of burst). */
const PREVIEWS_PER_SECOND = 2;

export const linkPreviewRoutes = new Hono<AppEnv>().use('*', requireAuth).post('/', async (c) => {
  if (c.env.LINK_PREVIEWS !== 'on') throw new ApiError('not_found', 'link previews are off on this instance (LINK_PREVIEWS)');
  const { url } = await jsonBody(c, LinkPreviewRequest);
  // Tests only: their fake "external" site on one loopback address, through a network that may reach it.
  const testHost = c.env.CHATALOT_TEST_PREVIEW_HOST;
  const viaTestNet = testHost && c.env.PREVIEW_TEST_NET && URL.canParse(url) && new URL(url).hostname === testHost;
  // An address refused outright costs nothing; each one that is fetched counts against the limit.
  const why = URL.canParse(url) ? refusal(new URL(url), viaTestNet ? testHost : undefined) : null;
  if (why) throw new ApiError('address_refused', why);
  const limiter = c.env.RATE_LIMITER;
  if (limiter) {
    const result = await limiter.get(limiter.idFromName(`user:${c.var.auth.user.id}`)).take('previews', PREVIEWS_PER_SECOND, Date.now());
    if (!result.ok) {
      const res = errorResponse('rate_limited', 'too many link previews; slow down', 429);
      res.headers.set('Retry-After', String(Math.max(1, Math.ceil(result.retryAfterMs / 1000))));
      return res;
    }
  }
  const fetcher = viaTestNet ? (u: string, init: RequestInit) => c.env.PREVIEW_TEST_NET!.fetch(u, init) : (u: string, init: RequestInit) => fetch(u, init);
  return c.json(await fetchPreview(url, fetcher, viaTestNet ? testHost : undefined));
});

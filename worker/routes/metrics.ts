/**
 * `GET /metrics` (issue #19 item 5): the Prometheus text format (worker/observability/metrics.ts)
 * for whoever presents `Authorization: Bearer <METRICS_TOKEN>`. Without METRICS_TOKEN it does not
 * exist (404, as any unknown path): never public by default. A wrong token is 401.
 */
import { Hono } from 'hono';
import type { AppEnv } from '../app';
import { equalBytes } from '../auth/secrets';
import { errorResponse } from '../middleware/errors';
import { renderPrometheus } from '../observability/metrics';

/** Shorter than this, a token is refused at start (selfhost/config.mjs) and ignored here. */
export const MIN_METRICS_TOKEN_LENGTH = 32;

export const metricsRoutes = new Hono<AppEnv>().get('/', (c) => {
  const token = c.env.METRICS_TOKEN ?? '';
  if (token.length < MIN_METRICS_TOKEN_LENGTH) return errorResponse('not_found', 'not found', 404);
  const given = /^Bearer (\S+)$/.exec(c.req.header('Authorization') ?? '')?.[1] ?? '';
  const enc = new TextEncoder();
  if (!equalBytes(enc.encode(given), enc.encode(token))) return errorResponse('unauthorized', 'send the metrics token as Authorization: Bearer <METRICS_TOKEN>', 401);
  return c.body(renderPrometheus(), 200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8', 'Cache-Control': 'no-store' });
});

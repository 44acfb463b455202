/**
 * The Hono application: middleware, the /api routes, the /ws upgrade routing, and the static
 * client for everything else. Built by a factory so tests and the entry point share it.
 */
import { Hono } from 'hono';
import { ApiError } from '../protocol/errors';
import type { Env } from './env';
import { errorResponse, onError } from './middleware/errors';
import { securityHeaders } from './middleware/securityHeaders';
import { healthRoutes } from './routes/health';
import { serveClient } from './routes/assets';
import { channelSocketRoutes } from './routes/channelSocket';
import { hubSocketRoutes } from './routes/hubSocket';
import { openStorage } from './storage/openStorage';
import { clockFor, type Clock } from './auth/clock';
import type { AuthContext } from './middleware/auth';
import { rateFrom, rateLimit } from './middleware/rateLimit';
import { authRoutes } from './routes/auth';
import { meRoutes } from './routes/me';
import { inviteRoutes } from './routes/invites';
import { adminRoutes } from './routes/admin';
import { reportRoutes } from './routes/reports';
import { announcementRoutes } from './routes/announcements';
import { feedbackRoutes } from './routes/feedback';
import { legalRoutes } from './routes/legal';
import { openApiRoutes } from './routes/openapi';
import { deviceRoutes, ownKeyRoutes, userKeyRoutes } from './routes/devices';
import type { Storage } from './storage/Storage';
import { communityRoutes } from './routes/communities';
import { channelRoutes } from './routes/channels';
import { communityInviteRoutes, invitePreviewRoutes } from './routes/communityInvites';
import { dmRoutes } from './routes/dms';
import { fileRoutes } from './routes/files';
import { linkPreviewRoutes } from './routes/linkPreview';
import { gifRoutes } from './routes/gifs';
import { imageRoutes } from './routes/images';
import { pushRoutes } from './routes/push';
import { channelWebhookRoutes, webhookPostRoutes } from './routes/webhooks';
import { routePath } from 'hono/route';
import { configureLog, log } from './observability/log';
import { metrics } from './observability/metrics';
import { metricsRoutes } from './routes/metrics';
import { batchHandler } from './routes/batch';
import { noStore, requireAuth } from './middleware/auth';

export interface AppEnv {
  Bindings: Env;
  Variables: {
    /** The migrated storage, opened on first use so routes that need none never wait for it. */
    storage: () => Promise<Storage>;
    /** The server's clock (ms since the epoch). */
    now: Clock;
    /** Who is signed in; set by requireAuth. */
    auth: AuthContext;
  };
}

export function createApp(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use('*', async (c, next) => {
    const trustProxy = (c.env.TRUST_PROXY ?? 'false') !== 'false';
    return securityHeaders({ trustProxy })(c, next);
  });
  app.use('*', async (c, next) => {
    c.set('storage', () => openStorage(c.env));
    c.set('now', clockFor(c.env));
    configureLog(c.env.LOG_LEVEL);
    const started = Date.now();
    await next();
    // By route pattern, never the path: a webhook URL or an invite code in a path is a secret.
    const route = routePath(c) || 'unmatched';
    const seconds = (Date.now() - started) / 1000;
    metrics.httpDuration.observe(seconds, { method: c.req.method, route, status: `${Math.floor(c.res.status / 100)}xx` });
    log.debug('request', { method: c.req.method, route, status: c.res.status, ms: Math.round(seconds * 1000) });
  });
  app.route('/metrics', metricsRoutes);

  const api = new Hono<AppEnv>();
  // Every API answer is personal or changes from one moment to the next: none may be kept by a
  // browser or proxy cache unless its route says otherwise (hardening #11.12, ASVS 14.2.2).
  api.use('*', async (c, next) => {
    await next();
    if (!c.res.headers.has('Cache-Control')) c.res.headers.set('Cache-Control', 'no-store');
  });
  const general = rateLimit({ bucket: 'general', rate: (env) => rateFrom(env.RATE_LIMIT_PER_SECOND, 20) });
  const strict = rateLimit({ bucket: 'auth', rate: (env) => rateFrom(env.AUTH_RATE_LIMIT_PER_SECOND, 5) });
  api.use('*', general);
  api.use('/auth/*', strict);
  api.route('/', healthRoutes);
  api.route('/', openApiRoutes);
  api.route('/auth/invites', invitePreviewRoutes);
  // Sign-ins by result for the metrics: 200 a success, 401 or 403 a refusal (a malformed body is neither).
  api.use('/auth/login', async (c, next) => {
    await next();
    if (c.res.status === 200) metrics.logins.inc({ result: 'success' });
    else if (c.res.status === 401 || c.res.status === 403) metrics.logins.inc({ result: 'failure' });
  });
  api.route('/auth', authRoutes);
  api.route('/me', meRoutes);
  api.route('/invites', inviteRoutes);
  api.route('/admin', adminRoutes);
  api.route('/reports', reportRoutes);
  api.route('/announcements', announcementRoutes);
  api.route('/feedback', feedbackRoutes);
  api.route('/legal', legalRoutes);
  api.route('/devices', deviceRoutes);
  api.route('/users', userKeyRoutes);
  api.route('/', ownKeyRoutes);
  api.route('/communities', communityRoutes);
  api.route('/channels', channelRoutes);
  api.route('/channels', channelWebhookRoutes);
  api.route('/webhooks', webhookPostRoutes);
  api.route('/community-invites', communityInviteRoutes);
  api.route('/dms', dmRoutes);
  api.route('/files', fileRoutes);
  api.route('/link-preview', linkPreviewRoutes);
  api.route('/gifs', gifRoutes);
  api.route('/push', pushRoutes);
  api.post('/batch', noStore, requireAuth, batchHandler(app));
  api.all('*', (c) => errorResponse('not_found', `no route for ${c.req.method} ${new URL(c.req.url).pathname}`, 404));
  // Profile and community images load as plain <img> (no token), many on one screen: their own,
  // roomier bucket, ahead of the API's general one (and of its no-store: they are immutable).
  app.use('/api/images/*', rateLimit({ bucket: 'images', rate: (env) => 10 * rateFrom(env.RATE_LIMIT_PER_SECOND, 20) }));
  app.route('/api/images', imageRoutes);
  app.route('/api', api);
  app.use('/ws/*', rateLimit({ bucket: 'general', rate: (env) => rateFrom(env.RATE_LIMIT_PER_SECOND, 20) }));
  app.route('/ws', channelSocketRoutes);
  app.route('/ws', hubSocketRoutes);
  app.all('/ws/*', (c) => errorResponse('not_found', `no socket at ${new URL(c.req.url).pathname}`, 404));

  // Everything else is the web client.
  app.get('*', serveClient);
  app.all('*', (c) => errorResponse('method_not_allowed', `${c.req.method} is not allowed here`, 405));

  app.onError(onError);
  app.notFound((c) => errorResponse('not_found', 'not found', 404));
  return app;
}

export { ApiError };

/**
 * `GET /ws/hub?device=<deviceId>`: the WebSocket upgrade into the signed-in user's UserHub — one
 * socket per device for its inbox, unread counts, presence and typing (docs/protocol.md, "The user
 * hub").
 *
 * Authentication is the channel socket's: the access token in `Sec-WebSocket-Protocol` as
 * `chatalot.v1, bearer.<jwt>` (never in the URL), the Origin check, and a live session. The device
 * must be one of the user's registered devices (404 otherwise, whoever's it is). The object
 * receives the identity the worker established in X-Chatalot-* headers, replacing any a client sent.
 */
import { Hono } from 'hono';
import type { AppEnv } from '../app';
import { authenticate } from '../middleware/auth';
import { clientIp } from '../auth/clientInfo';
import { acquireSocketLease, leaseHeaders, releaseSocketLease } from '../auth/socketLeases';
import { errorResponse } from '../middleware/errors';
import { SUBPROTOCOL } from '../../protocol/frames';
import { sameOrigin, socketToken } from './channelSocket';
import { hubOf } from '../hubs';

/** Device ids: URL-safe and bounded, like every id. */
const DEVICE_ID = /^[A-Za-z0-9_-]{1,64}$/;

export const hubSocketRoutes = new Hono<AppEnv>().get('/hub', async (c) => {
  const deviceId = c.req.query('device') ?? '';
  if (!DEVICE_ID.test(deviceId)) return errorResponse('validation_failed', 'device must be 1–64 characters of [A-Za-z0-9_-]', 400);
  if (c.req.header('Upgrade')?.toLowerCase() !== 'websocket') return errorResponse('bad_request', 'expected a WebSocket upgrade', 426);
  if (!sameOrigin(c.req.header('Origin'), c.req.header('Host'))) return errorResponse('forbidden', 'cross-origin WebSocket refused', 403);
  const token = socketToken(c.req.header('Sec-WebSocket-Protocol'));
  const auth = token ? await authenticate(c, token) : null;
  if (!auth) return errorResponse('unauthorized', `send the access token as Sec-WebSocket-Protocol: ${SUBPROTOCOL}, bearer.<token>`, 401);
  if (!c.env.USER_HUB) return errorResponse('not_found', 'no user hub on this server', 404);
  const storage = await c.var.storage();
  const device = await storage.getDevice(deviceId);
  if (!device || device.userId !== auth.user.id) return errorResponse('not_found', 'no such device of yours', 404);
  const lease = await acquireSocketLease(c.env, clientIp(c.req.raw, c.env.TRUST_PROXY), auth.user.id, auth.expiresAt, c.var.now());
  if ('refused' in lease) return errorResponse('too_many_sockets', lease.refused, 429);
  const headers = new Headers({ Upgrade: 'websocket' });
  leaseHeaders(headers, lease);
  headers.set('X-Chatalot-User', auth.user.id);
  headers.set('X-Chatalot-Device', deviceId);
  headers.set('X-Chatalot-Session', auth.session.id);
  headers.set('X-Chatalot-Expires', String(auth.expiresAt));
  const res = await hubOf(c.env, auth.user.id).fetch(new Request(c.req.raw.url, { method: 'GET', headers }));
  if (res.status !== 101) await releaseSocketLease(c.env, lease);
  return res;
});

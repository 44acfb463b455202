/**
 * `GET /ws/channels/:id`: the WebSocket upgrade into a channel's ChannelRoom object.
 *
 * The access token travels in `Sec-WebSocket-Protocol` as `chatalot.v1, bearer.<jwt>` — never in
 * the URL, where logs and proxies would keep it (SECURITY-TESTS A11). The worker checks the
 * Origin, the token and its session, and the user's permissions in the channel (404 for a channel
 * you cannot see, whether or not it exists), then hands the object the identity it established
 * in X-Chatalot-* headers, replacing any a client sent. The socket closes when the token expires.
 *
 * `?call=<deviceId>` opens a call socket instead (protocol/calls.ts): call frames only, for one of
 * the user's own registered devices (404 otherwise), which the room names in the call's roster.
 */
import { Hono } from 'hono';
import type { AppEnv } from '../app';
import { permissionsIn, rankInChannel } from '../auth/access';
import { authenticateWith } from '../middleware/auth';
import { clientIp } from '../auth/clientInfo';
import { acquireSocketLease, leaseHeaders, releaseSocketLease } from '../auth/socketLeases';
import { errorResponse } from '../middleware/errors';
import { chosenSubprotocol, SUBPROTOCOL } from '../../protocol/frames';
import { MAX_CALL_PARTICIPANTS } from '../../protocol/calls';
import { RELAY_SHARD_HEADER, shardName } from '../../durable-objects/relayWire';

/** Channel ids: URL-safe, bounded, so they can name a Durable Object without escaping. */
const CHANNEL_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** The offered subprotocols of a `Sec-WebSocket-Protocol` header. */
function offered(header: string | undefined): string[] {
  return (header ?? '').split(',').map((p) => p.trim());
}

/**
 * What `Sec-WebSocket-Protocol: chatalot.v2, chatalot.v1, bearer.<jwt>` offers: the subprotocol
 * the server answers with and the bearer token; null when either is missing.
 */
export function socketOffer(header: string | undefined): { subprotocol: NonNullable<ReturnType<typeof chosenSubprotocol>>; token: string } | null {
  const protocols = offered(header);
  const subprotocol = chosenSubprotocol(protocols);
  const bearer = protocols.find((p) => p.startsWith('bearer.'));
  return subprotocol && bearer ? { subprotocol, token: bearer.slice('bearer.'.length) } : null;
}

/** The bearer token of a `Sec-WebSocket-Protocol` header (socketOffer), or null. */
export const socketToken = (header: string | undefined): string | null => socketOffer(header)?.token ?? null;

/** A browser's Origin must be this server's own host (cross-site WebSocket hijacking, ASVS 4.4.2). */
export function sameOrigin(origin: string | undefined, host: string | undefined): boolean {
  if (origin === undefined) return true; // non-browser clients send none
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}

export const channelSocketRoutes = new Hono<AppEnv>().get('/channels/:id', async (c) => {
  const id = c.req.param('id');
  if (!CHANNEL_ID.test(id)) return errorResponse('validation_failed', 'channel id must be 1–64 characters of [A-Za-z0-9_-]', 400);
  if (c.req.header('Upgrade')?.toLowerCase() !== 'websocket') return errorResponse('bad_request', 'expected a WebSocket upgrade', 426);
  if (!sameOrigin(c.req.header('Origin'), c.req.header('Host'))) return errorResponse('forbidden', 'cross-origin WebSocket refused', 403);
  const offer = socketOffer(c.req.header('Sec-WebSocket-Protocol'));
  // The channel's access is read with the session and the user: one call to the store.
  const checked = offer ? await authenticateWith(c, offer.token, (storage, userId) => storage.channelAccess(id, userId)) : null;
  if (!offer || !checked) return errorResponse('unauthorized', `send the access token as Sec-WebSocket-Protocol: ${SUBPROTOCOL}, bearer.<token>`, 401);
  const { auth, also: access } = checked;
  const storage = await c.var.storage();
  const permissions = permissionsIn(access, c.var.now());
  if (!access || permissions === 0) return errorResponse('not_found', 'no such channel', 404);
  const callDevice = c.req.query('call');
  if (callDevice !== undefined) {
    if (!CHANNEL_ID.test(callDevice)) return errorResponse('validation_failed', 'call must be one of your device ids', 400);
    const device = await storage.getDevice(callDevice);
    if (!device || device.userId !== auth.user.id) return errorResponse('not_found', 'no such device of yours', 404);
  }
  const lease = await acquireSocketLease(c.env, clientIp(c.req.raw, c.env.TRUST_PROXY), auth.user.id, auth.expiresAt, c.var.now());
  if ('refused' in lease) return errorResponse('too_many_sockets', lease.refused, 429);
  const headers = new Headers({ Upgrade: 'websocket' });
  leaseHeaders(headers, lease);
  headers.set('X-Chatalot-Channel', id);
  headers.set('X-Chatalot-User', auth.user.id);
  headers.set('X-Chatalot-Session', auth.session.id);
  headers.set('X-Chatalot-Permissions', String(permissions));
  headers.set('X-Chatalot-Rank', String(rankInChannel(access)));
  headers.set('X-Chatalot-Expires', String(auth.expiresAt));
  headers.set('X-Chatalot-Slow-Mode', String(access.channel.slowModeSeconds));
  headers.set('X-Chatalot-Direct', String(access.channel.communityId === null));
  if (callDevice !== undefined) headers.set('X-Chatalot-Call-Device', callDevice);
  headers.set('X-Chatalot-Call-Cap', String(access.channel.callCap ?? MAX_CALL_PARTICIPANTS));
  headers.set('X-Chatalot-Disappear', String(access.channel.disappearSeconds ?? 0));
  headers.set('X-Chatalot-Subprotocol', offer.subprotocol);
  const stub = c.env.CHANNEL_ROOM.get(c.env.CHANNEL_ROOM.idFromName(id));
  let res = await stub.fetch(new Request(c.req.raw.url, { method: 'GET', headers }));
  // A large channel's room sends members to one of its relay shards (issue #18 item 5, docs/scaling.md).
  const shard = res.headers.get(RELAY_SHARD_HEADER);
  if (shard !== null && c.env.CHANNEL_RELAY) {
    headers.set('X-Chatalot-Relay-Index', shard);
    const relay = c.env.CHANNEL_RELAY.get(c.env.CHANNEL_RELAY.idFromName(shardName(id, Number(shard))));
    res = await relay.fetch(new Request(c.req.raw.url, { method: 'GET', headers }));
  }
  if (res.status !== 101) await releaseSocketLease(c.env, lease);
  return res;
});

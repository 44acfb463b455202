/**
 * `GET /ws/channels/:id`: the WebSocket upgrade into a channel's ChannelRoom object.
 *
 * The worker checks the request's shape and routes by channel id; the object does the rest.
 * The sender identity the object records comes only from the worker (a header it sets after
 * removing any the client sent), never from the client.
 */
import { Hono } from 'hono';
import type { AppEnv } from '../app';
import { errorResponse } from '../middleware/errors';

/** Channel ids: URL-safe, bounded, so they can name a Durable Object without escaping. */
const CHANNEL_ID = /^[A-Za-z0-9_-]{1,64}$/;

export const channelSocketRoutes = new Hono<AppEnv>().get('/channels/:id', async (c) => {
  const id = c.req.param('id');
  if (!CHANNEL_ID.test(id)) return errorResponse('validation_failed', 'channel id must be 1–64 characters of [A-Za-z0-9_-]', 400);
  if (c.req.header('Upgrade')?.toLowerCase() !== 'websocket') return errorResponse('bad_request', 'expected a WebSocket upgrade', 426);
  const headers = new Headers(c.req.raw.headers);
  headers.set('X-Chatalot-Sender', 'anonymous');
  const stub = c.env.CHANNEL_ROOM.get(c.env.CHANNEL_ROOM.idFromName(id));
  return stub.fetch(new Request(c.req.raw.url, { method: 'GET', headers }));
});

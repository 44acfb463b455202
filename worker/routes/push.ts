/**
 * `/api/push` (issue #17 item 2): the instance's VAPID public key, and each device's Web Push
 * subscription with the notification preferences the user's hub applies before pushing. The
 * subscriptions live in the user's hub (durable-objects/PushNotifier.ts), which sends the pushes.
 *
 * A device may only subscribe itself as one of the caller's devices, and only with an endpoint of
 * a browser push service (worker/push/config.ts), so nobody can make the server POST elsewhere.
 */
import { Hono } from 'hono';
import { ApiError } from '../../protocol/errors';
import { PutPushSubscriptionRequest, MAX_PUSH_SUBSCRIPTION_BYTES } from '../../protocol/push';
import type { AppEnv } from '../app';
import { hubOf } from '../hubs';
import { noStore, requireAuth } from '../middleware/auth';
import { errorResponse } from '../middleware/errors';
import { jsonBody } from '../middleware/jsonBody';
import { endpointRefusal, vapidKeys } from '../push/config';

export const pushRoutes = new Hono<AppEnv>()
  .use('*', noStore)
  .use('*', requireAuth)

  .get('/config', async (c) => {
    const keys = c.env.USER_HUB ? await vapidKeys(c.env) : null;
    return c.json({ enabled: keys !== null, publicKey: keys?.publicKey ?? null });
  })

  .get('/subscriptions', async (c) => {
    const userId = c.var.auth.user.id;
    return c.json({ subscriptions: c.env.USER_HUB ? await hubOf(c.env, userId).pushSubscriptions(userId) : [] });
  })

  .put('/subscriptions/:deviceId', async (c) => {
    const body = await jsonBody(c, PutPushSubscriptionRequest, MAX_PUSH_SUBSCRIPTION_BYTES);
    const userId = c.var.auth.user.id;
    const device = await (await c.var.storage()).getDevice(c.req.param('deviceId'));
    if (!device || device.userId !== userId) return errorResponse('not_found', 'no such device of yours', 404);
    if (!c.env.USER_HUB || !(await vapidKeys(c.env))) throw new ApiError('unavailable', 'Web Push is not configured on this instance (VAPID_PRIVATE_KEY)');
    const refusal = endpointRefusal(c.env, body.endpoint);
    if (refusal) throw new ApiError('address_refused', refusal);
    await hubOf(c.env, userId).pushSubscribe(userId, { deviceId: device.id, endpoint: body.endpoint, p256dh: body.keys.p256dh, auth: body.keys.auth, prefs: body.prefs, createdAt: c.var.now() });
    return c.json({ deviceId: device.id, service: new URL(body.endpoint).origin });
  })

  .delete('/subscriptions/:deviceId', async (c) => {
    const userId = c.var.auth.user.id;
    const removed = c.env.USER_HUB ? await hubOf(c.env, userId).pushUnsubscribe(userId, c.req.param('deviceId')) : false;
    if (!removed) return errorResponse('not_found', 'no push subscription for that device of yours', 404);
    return c.body(null, 204);
  });

/**
 * Incoming webhooks (issue #17 item 3).
 *
 * Managing: `/api/channels/{id}/webhooks` — a member with MANAGE_WEBHOOKS in a community channel
 * lists, creates, rotates and deletes its webhooks. The secret is 256 random bits, shown once in the
 * URL and stored only as its SHA-256 digest; rotating replaces it (the old URL stops at once).
 *
 * Posting: `POST /api/webhooks/{id}/{secret}` — anyone holding the URL, no account. The body (a
 * Discord-compatible subset, protocol/webhooks.ts) is read with a cap while it streams, validated
 * (length limits, no HTML), rate limited per webhook, and handed to the channel's room as a
 * `webhook` envelope. It is plaintext to the server by nature, and every client says so.
 * A wrong secret, a rotated one and a deleted webhook all answer 404 alike; nothing is stored.
 *
 * End-to-end encrypted webhooks (issue #17 item 4): created with `encrypted: true`, a webhook gets
 * its own bot account (instance role `bot`, no password, in no community) and, once, an
 * enrolment token — the refresh token of the bot's one session — for the `chatalot-post`
 * command-line client (cli/). That client registers a device and a signed device list like any
 * first device; a manager compares its fingerprint and approves it (`…/approve`), after which the
 * bot has VIEW and SEND in this one channel only (auth/access.ts), members' clients hand it their
 * sender keys as to a new member, and it seals each post with its own. Deleting the webhook
 * deletes the bot account, which every room hears as a member removed, so senders rotate keys.
 */
import { Hono, type Context } from 'hono';
import { ApiError } from '../../protocol/errors';
import { has, Permission } from '../../protocol/permissions';
import { CreateWebhookRequest, MAX_WEBHOOK_BODY_BYTES, MAX_WEBHOOKS_PER_CHANNEL, WEBHOOK_BURST, WEBHOOK_PERIOD_MS, WebhookPostRequest, type WebhookEnvelopeBody, type WebhookView } from '../../protocol/webhooks';
import type { AppEnv } from '../app';
import { permissionsIn } from '../auth/access';
import { audit } from '../auth/audit';
import { digest, equalBytes, newId, newRefreshToken } from '../auth/secrets';
import { noStore, requireAuth } from '../middleware/auth';
import { errorResponse } from '../middleware/errors';
import { jsonBody } from '../middleware/jsonBody';
import type { Storage, Webhook } from '../storage/Storage';
import { startSession } from '../auth/sessions';
import { cleanDisplayName } from '../auth/names';
import { notifyJoined } from '../rooms';
import { deleteAccount } from './me';
import type { WebhookEnrolment } from '../../protocol/webhooks';

/** An encrypted webhook's bot account has no password: login refuses the `bot` role before any check. */
const NO_PASSWORD = '!bot-account';

async function view(storage: Storage, w: Webhook): Promise<WebhookView> {
  const devices = w.botUserId ? (await storage.listDevices(w.botUserId)).map((d) => ({ deviceId: d.id, identityKey: d.identityKey })) : [];
  return { id: w.id, channelId: w.channelId, name: w.name, createdBy: w.createdBy, createdAt: w.createdAt, rotatedAt: w.rotatedAt, posts: w.posts, lastPostAt: w.lastPostAt, encrypted: w.botUserId !== null, botUserId: w.botUserId, approvedAt: w.approvedAt, devices };
}
const urlOf = (c: Context<AppEnv>, id: string, secret: string) => `${new URL(c.req.url).origin}/api/webhooks/${id}/${secret}`;

/** The channel, when the caller may manage its webhooks; 404 when they cannot see it, 403 without the permission. */
async function managed(c: Context<AppEnv>) {
  const storage = await c.var.storage();
  const access = await storage.channelAccess(c.req.param('id')!, c.var.auth.user.id);
  const bits = permissionsIn(access, c.var.now());
  if (!access || !has(bits, Permission.VIEW)) throw new ApiError('not_found', 'no such channel');
  if (!access.channel.communityId) throw new ApiError('forbidden', 'webhooks belong to community channels, not DMs');
  if (!has(bits, Permission.MANAGE_WEBHOOKS)) throw new ApiError('forbidden', 'this needs the manage-webhooks permission');
  return { storage, channel: access.channel };
}

async function webhookOf(c: Context<AppEnv>, channelId: string): Promise<Webhook> {
  const w = await (await c.var.storage()).getWebhook(c.req.param('webhookId')!);
  if (!w || w.channelId !== channelId) throw new ApiError('not_found', 'no such webhook in this channel');
  return w;
}

export const channelWebhookRoutes = new Hono<AppEnv>()
  .use('*', noStore)
  .use('*', requireAuth)

  .get('/:id/webhooks', async (c) => {
    const { storage, channel } = await managed(c);
    return c.json({ webhooks: await Promise.all((await storage.listWebhooks(channel.id)).map((w) => view(storage, w))) });
  })

  .post('/:id/webhooks', async (c) => {
    const body = await jsonBody(c, CreateWebhookRequest);
    const { storage, channel } = await managed(c);
    if ((await storage.listWebhooks(channel.id)).length >= MAX_WEBHOOKS_PER_CHANNEL) throw new ApiError('conflict', `a channel may have at most ${MAX_WEBHOOKS_PER_CHANNEL} webhooks; delete one first`);
    const secret = newRefreshToken();
    const now = c.var.now();
    let bot = null;
    if (body.encrypted) {
      const username = `bot-${newId().replace(/[^A-Za-z0-9]/g, '').slice(0, 12).toLowerCase()}`;
      bot = await storage.createUser({ id: newId(), username, displayName: cleanDisplayName(body.name, username), email: null, passwordHash: NO_PASSWORD, instanceRole: 'bot', createdAt: now, recoveryVerifierHash: null });
      // Nobody DMs a bot: it shares no community with anyone, and it may not open DMs itself.
      bot = await storage.updateUser(bot.id, { dmPolicy: 'communities' });
    }
    // An encrypted webhook has no working URL: its secret digest is of a value nobody is given.
    const w = await storage.createWebhook({ id: newId(), channelId: channel.id, name: body.name, secretDigest: digest(secret), createdBy: c.var.auth.user.id, createdAt: now, rotatedAt: null, posts: 0, lastPostAt: null, botUserId: bot?.id ?? null, approvedAt: null });
    await audit(c, 'webhook_created', c.var.auth.user.id, { webhookId: w.id, channelId: channel.id, communityId: channel.communityId ?? '', name: w.name, encrypted: bot !== null });
    if (bot) {
      const session = await startSession(c, bot, `chatalot-post: ${body.name}`.slice(0, 64));
      const enrolment: WebhookEnrolment = { server: new URL(c.req.url).origin, token: session.refreshToken };
      return c.json({ webhook: await view(storage, w), enrolment }, 201);
    }
    return c.json({ webhook: await view(storage, w), url: urlOf(c, w.id, secret) }, 201);
  })

  .post('/:id/webhooks/:webhookId/rotate', async (c) => {
    const { storage, channel } = await managed(c);
    const w = await webhookOf(c, channel.id);
    if (w.botUserId) throw new ApiError('conflict', "an encrypted webhook's credentials live with its device; delete it and create another to replace them");
    const secret = newRefreshToken();
    await storage.rotateWebhook(w.id, digest(secret), c.var.now());
    await audit(c, 'webhook_rotated', c.var.auth.user.id, { webhookId: w.id, channelId: channel.id, communityId: channel.communityId ?? '' });
    return c.json({ webhook: await view(storage, (await storage.getWebhook(w.id))!), url: urlOf(c, w.id, secret) });
  })

  .post('/:id/webhooks/:webhookId/approve', async (c) => {
    const { storage, channel } = await managed(c);
    const w = await webhookOf(c, channel.id);
    if (!w.botUserId) throw new ApiError('conflict', 'a plaintext webhook needs no approval');
    if (w.approvedAt === null) {
      if ((await storage.listDevices(w.botUserId)).length === 0) throw new ApiError('conflict', 'this webhook has not enrolled a device yet: run `chatalot-post enrol` with its token first');
      await storage.approveWebhook(w.id, c.var.now());
      await audit(c, 'webhook_approved', c.var.auth.user.id, { webhookId: w.id, channelId: channel.id, communityId: channel.communityId ?? '', name: w.name });
      // A new recipient: envelopes sealed before senders knew are refused and sealed again, now to it too.
      await notifyJoined(c.env, [channel.id], w.botUserId);
    }
    return c.json({ webhook: await view(storage, (await storage.getWebhook(w.id))!) });
  })

  .delete('/:id/webhooks/:webhookId', async (c) => {
    const { storage, channel } = await managed(c);
    const w = await webhookOf(c, channel.id);
    // The bot account goes as a member does: the room tells everyone to rotate their sender keys,
    // its sockets close, its sessions and devices are deleted, so its old keys can no longer post.
    const bot = w.botUserId ? await storage.getUserById(w.botUserId) : null;
    if (bot) await deleteAccount(c, storage, bot);
    await storage.deleteWebhook(w.id);
    await audit(c, 'webhook_deleted', c.var.auth.user.id, { webhookId: w.id, channelId: channel.id, communityId: channel.communityId ?? '', name: w.name });
    return c.body(null, 204);
  });

const SECRET = /^[A-Za-z0-9_-]{43}$/;

export const webhookPostRoutes = new Hono<AppEnv>().post('/:id/:secret', async (c) => {
  const storage = await c.var.storage();
  const secret = c.req.param('secret');
  const w = SECRET.test(secret) ? await storage.getWebhook(c.req.param('id')) : null;
  const enc = new TextEncoder();
  if (!w || w.botUserId !== null || !equalBytes(enc.encode(w.secretDigest), enc.encode(digest(secret)))) return errorResponse('not_found', 'no such webhook, or a wrong or rotated secret', 404);
  const post = await jsonBody(c, WebhookPostRequest, MAX_WEBHOOK_BODY_BYTES);
  // Per webhook, beyond the per-IP limit every request meets: a leaked URL cannot flood the
  // channel. Only posts that would be stored count (a refused body stores nothing anyway).
  const limiter = c.env.RATE_LIMITER;
  if (limiter && !(await limiter.get(limiter.idFromName(`webhook:${w.id}`)).takeStored('posts', WEBHOOK_BURST, WEBHOOK_PERIOD_MS, Date.now()))) {
    const res = errorResponse('rate_limited', `a webhook may post ${WEBHOOK_BURST} times per ${WEBHOOK_PERIOD_MS / 1000} s; slow down`, 429);
    res.headers.set('Retry-After', String(Math.ceil(WEBHOOK_PERIOD_MS / 1000)));
    return res;
  }
  const body: WebhookEnvelopeBody = { v: 1, webhook: { id: w.id, name: w.name }, ...(post.username ? { username: post.username } : {}), ...(post.content?.trim() ? { content: post.content } : {}), ...(post.embeds?.length ? { embeds: post.embeds } : {}) };
  const room = c.env.CHANNEL_ROOM.get(c.env.CHANNEL_ROOM.idFromName(w.channelId));
  const stored = await room.webhookPost(w.channelId, w.id, JSON.stringify(body));
  if (!stored) throw new ApiError('storage_unavailable', 'the post could not be stored; send it again');
  const now = c.var.now();
  await storage.recordWebhookPost(w.id, now);
  const channel = await storage.getChannel(w.channelId);
  await audit(c, 'webhook_post', null, { webhookId: w.id, channelId: w.channelId, communityId: channel?.communityId ?? '', seq: stored.seq });
  return c.req.query('wait') === 'true' ? c.json({ id: String(stored.seq), channel_id: w.channelId, timestamp: new Date(stored.ts).toISOString() }) : c.body(null, 204);
});

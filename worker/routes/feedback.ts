/**
 * `/api/feedback` (issue #16 item 6): a signed-in user sends feedback or a bug report from
 * settings; the instance's owner and admins read and close it at /api/admin/feedback. It is
 * stored as written (not end-to-end encrypted: it is addressed to the server's operators), at most
 * 10 open items per account.
 */
import { Hono } from 'hono';
import type { AppEnv } from '../app';
import { ApiError } from '../../protocol/errors';
import { FeedbackRequest, MAX_OPEN_FEEDBACK_PER_USER } from '../../protocol/auth';
import { noStore, requireAuth } from '../middleware/auth';
import { jsonBody } from '../middleware/jsonBody';
import { newId } from '../auth/secrets';

export const feedbackRoutes = new Hono<AppEnv>()
  .use('*', noStore)
  .use('*', requireAuth)
  .post('/', async (c) => {
    const body = await jsonBody(c, FeedbackRequest);
    const storage = await c.var.storage();
    const userId = c.var.auth.user.id;
    if ((await storage.countOpenFeedback(userId)) >= MAX_OPEN_FEEDBACK_PER_USER) throw new ApiError('quota_exceeded', `you have ${MAX_OPEN_FEEDBACK_PER_USER} messages waiting for the admins; send more once they have read them`);
    const item = await storage.createFeedback({ id: newId(), userId, kind: body.kind, text: body.text, status: 'open', createdAt: c.var.now(), closedAt: null, closedBy: null });
    return c.json({ id: item.id }, 201);
  });

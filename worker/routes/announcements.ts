/**
 * `/api/announcements` (issue #16 item 6): the instance-wide banners a signed-in user has not
 * dismissed, and dismissing one (for every device of theirs). Admins post and remove them at
 * /api/admin/announcements.
 */
import { Hono } from 'hono';
import type { AppEnv } from '../app';
import { ApiError } from '../../protocol/errors';
import { noStore, requireAuth } from '../middleware/auth';

export const announcementRoutes = new Hono<AppEnv>()
  .use('*', noStore)
  .use('*', requireAuth)
  .get('/', async (c) => {
    const storage = await c.var.storage();
    const list = await storage.listAnnouncements({ now: c.var.now(), userId: c.var.auth.user.id, limit: 10 });
    return c.json({ announcements: list.map(({ createdBy: _by, ...a }) => a) });
  })
  .post('/:id/dismiss', async (c) => {
    const storage = await c.var.storage();
    if (!(await storage.dismissAnnouncement(c.req.param('id'), c.var.auth.user.id))) throw new ApiError('not_found', 'no such announcement');
    return c.body(null, 204);
  });

/** `/api/admin`: instance administration. The audit log of every account, filtered and paged. */
import { Hono } from 'hono';
import type { AppEnv } from '../app';
import { noStore, requireAuth, requireRole } from '../middleware/auth';

export const adminRoutes = new Hono<AppEnv>()
  .use('*', noStore)
  .use('*', requireAuth, requireRole('owner', 'admin'))
  .get('/audit', async (c) => {
    const storage = await c.var.storage();
    const before = Number(c.req.query('before'));
    const limit = Number(c.req.query('limit') ?? 100);
    const userId = c.req.query('userId');
    const event = c.req.query('event');
    const events = await storage.listAudit({
      ...(userId ? { userId } : {}),
      ...(event ? { event } : {}),
      ...(Number.isFinite(before) && before > 0 ? { before } : {}),
      ...(c.req.query('beforeId') ? { beforeId: c.req.query('beforeId')! } : {}),
      limit: Number.isFinite(limit) ? limit : 100,
    });
    return c.json({ events: events.map((e) => ({ ...e, detail: JSON.parse(e.detail) as unknown })) });
  });

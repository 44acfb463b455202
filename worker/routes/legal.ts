/**
 * `/api/legal` (issue #16 item 7): the instance's terms of service and privacy policy, to anyone
 * (they are read before registering), with the version a registration must accept. Owners and
 * admins replace them at PUT /api/admin/legal; a signed-in account accepts a new version at
 * POST /api/me/terms.
 */
import { Hono } from 'hono';
import type { AppEnv } from '../app';
import { legalDocuments } from '../legal/documents';

export const legalRoutes = new Hono<AppEnv>().get('/', async (c) => {
  const storage = await c.var.storage();
  return c.json(await legalDocuments(storage));
});

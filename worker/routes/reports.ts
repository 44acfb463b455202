/**
 * `/api/reports` (issue #16 item 1): any signed-in member reports a message (disclosing its
 * plaintext, checked by franking), a user or a community; a reviewer resolves a report. The
 * queues are read at /api/communities/{id}/reports (moderators) and /api/admin/reports (admins).
 */
import { Hono } from 'hono';
import type { AppEnv } from '../app';
import { noStore, requireAuth } from '../middleware/auth';
import { jsonBody } from '../middleware/jsonBody';
import { ReportRequest, ResolveReportRequest } from '../../protocol/reports';
import { fileReport, reportViews, resolveReport, reviewable } from '../moderation/reports';

export const reportRoutes = new Hono<AppEnv>()
  .use('*', noStore)
  .use('*', requireAuth)
  .post('/', async (c) => {
    const body = await jsonBody(c, ReportRequest);
    const storage = await c.var.storage();
    const report = await fileReport(c, storage, body);
    // The reporter learns the report went in and what franking proved, not who will review it.
    return c.json({ id: report.id, status: report.status, ...(report.verdict ? { verdict: report.verdict } : {}) }, 201);
  })

  .get('/:id', async (c) => {
    const storage = await c.var.storage();
    const { report } = await reviewable(c, storage, c.req.param('id'));
    return c.json({ report: (await reportViews(storage, [report]))[0] });
  })

  .post('/:id/resolve', async (c) => {
    const body = await jsonBody(c, ResolveReportRequest);
    const storage = await c.var.storage();
    const report = await resolveReport(c, storage, c.req.param('id'), body.action, body.note, body.seconds);
    return c.json({ report: (await reportViews(storage, [report]))[0] });
  });

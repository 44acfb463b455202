/**
 * The moderation log: when a moderator deletes someone else's message, a `message_removed` event
 * goes to the audit log with who, whose, where and when — never content (the server has none).
 * Admins read it through /api/admin/audit?event=message_removed.
 */
import { openStorage } from '../worker/storage/openStorage';
import type { Env } from '../worker/env';
import { newId } from '../worker/auth/secrets';

export async function logModeration(env: Env, e: { moderator: string; author: string; channelId: string; seq: number; at: number }): Promise<void> {
  const storage = await openStorage(env);
  await storage.appendAudit({
    id: newId(),
    event: 'message_removed',
    userId: e.moderator,
    ip: '',
    userAgent: '',
    detail: JSON.stringify({ author: e.author, channel: e.channelId, seq: e.seq }),
    createdAt: e.at,
  });
}

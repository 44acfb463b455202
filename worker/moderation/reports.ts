/**
 * Reports and warnings (issue #16 items 1–2): filing a report (checking a message report's
 * franking, protocol/franking.ts), showing it to its reviewers, resolving it with an action, and
 * warning a member (with a community's automatic timeout after N warnings).
 *
 * Who reviews what: a report about a message in a community channel goes to that community's
 * moderators (anyone holding MANAGE_MESSAGES, KICK, BAN or TIMEOUT there); everything else — a
 * DM's message, a user, a community, and whatever a community escalates — to the instance's
 * owner and admins. Anyone else is told a report does not exist (404), so ids leak nothing.
 */
import type { Context } from 'hono';
import type { AppEnv } from '../app';
import { ApiError } from '../../protocol/errors';
import { has, Permission } from '../../protocol/permissions';
import { verifyDisclosure } from '../../protocol/franking';
import { MAX_OPEN_REPORTS_PER_USER, type ReportAction, type ReportReason, type ReportRequest, type ReportView } from '../../protocol/reports';
import { permissionsIn } from '../auth/access';
import { audit } from '../auth/audit';
import { newId } from '../auth/secrets';
import { frankingKey } from '../auth/totp';
import { announceListChange } from '../hubs';
import { banUser, kickMember, notifyPermissions, outranks, standingIn, timeOutMember, type Standing } from '../routes/communities';
import { holdAccount } from '../routes/admin';
import { deleteFile } from '../routes/files';
import { FILE_ID, MAX_FILES_PER_MESSAGE } from '../../protocol/files';
import type { Report, Storage, User, Warning } from '../storage/Storage';

type Ctx = Context<AppEnv>;

/** Community bits that make someone a reviewer of the community's reports. */
export const REVIEW_BITS = Permission.MANAGE_MESSAGES | Permission.KICK | Permission.BAN | Permission.TIMEOUT;

const notFound = () => new ApiError('not_found', 'no such report');

/** The instance's owner and admins, while not quarantined (an account held for review does not review others). */
export const isInstanceStaff = (user: User) => (user.instanceRole === 'owner' || user.instanceRole === 'admin') && user.quarantinedAt === null;

/** Files a report from the signed-in user. */
export async function fileReport(c: Ctx, storage: Storage, body: ReportRequest): Promise<Report> {
  const reporter = c.var.auth.user;
  const now = c.var.now();
  if ((await storage.countOpenReports(reporter.id)) >= MAX_OPEN_REPORTS_PER_USER) {
    throw new ApiError('quota_exceeded', `you have ${MAX_OPEN_REPORTS_PER_USER} reports waiting for review; more can be sent once they are reviewed`);
  }
  const report: Report = {
    id: newId(),
    reporterId: reporter.id,
    kind: body.kind,
    queue: 'instance',
    communityId: null,
    channelId: null,
    seq: null,
    messageSeq: null,
    accusedId: null,
    reason: body.reason,
    comment: body.comment ?? '',
    disclosed: null,
    verdict: null,
    messageTs: null,
    status: 'open',
    resolution: null,
    resolvedBy: null,
    resolvedAt: null,
    createdAt: now,
  };
  if (body.kind === 'message') {
    // Only what you can read can be reported: a stranger to the channel learns nothing (404).
    const access = await storage.channelAccess(body.channelId, reporter.id);
    if (!has(permissionsIn(access, now), Permission.VIEW)) throw new ApiError('not_found', 'no such channel');
    const d = body.disclosure;
    if (d.sender === reporter.id) throw new ApiError('forbidden', 'you cannot report your own message');
    if (body.messageSeq !== undefined && body.messageSeq > body.seq) throw new ApiError('validation_failed', 'messageSeq: an edit comes after the message it edits');
    const context = { channelId: body.channelId, sender: d.sender, seq: body.seq, ts: d.ts, ...(d.franking ? { commitment: d.franking } : {}), ...(d.frankTag ? { frankTag: d.frankTag } : {}) };
    const communityId = access!.channel.communityId;
    Object.assign(report, {
      queue: communityId ? 'community' : 'instance',
      communityId,
      channelId: body.channelId,
      seq: body.seq,
      messageSeq: body.messageSeq ?? body.seq,
      accusedId: d.sender,
      disclosed: d.plaintext,
      verdict: verifyDisclosure(frankingKey(c.env.TOTP_ENCRYPTION_KEY), context, new TextEncoder().encode(d.plaintext)),
      messageTs: d.ts,
    } satisfies Partial<Report>);
  } else if (body.kind === 'user') {
    if (body.userId === reporter.id) throw new ApiError('forbidden', 'you cannot report yourself');
    if (!(await storage.getUserById(body.userId))) throw new ApiError('not_found', 'no such user');
    report.accusedId = body.userId;
  } else {
    const community = await storage.getCommunity(body.communityId);
    if (!community) throw new ApiError('not_found', 'no such community');
    report.communityId = community.id;
    report.accusedId = community.ownerId;
  }
  await storage.createReport(report);
  await audit(c, 'report_filed', reporter.id, { reportId: report.id, kind: report.kind, queue: report.queue, ...(report.verdict ? { verdict: report.verdict } : {}) });
  return report;
}

/** What a reviewer sees of a report: the disclosed message's text (never shown to anyone else), names, the accused's warnings. */
export async function reportViews(storage: Storage, reports: Report[]): Promise<ReportView[]> {
  const ids = [...new Set(reports.flatMap((r) => [r.reporterId, r.accusedId ?? '']).filter(Boolean))];
  const users = new Map((await storage.getUsersByIds(ids)).map((u) => [u.id, u]));
  const person = (id: string) => ({ id, username: users.get(id)?.username ?? null });
  // Counted once per accused and scope: a queue page often holds many reports about one person.
  const counted = new Map<string, Promise<number>>();
  const warningsOf = (userId: string, communityId: string | null) => {
    const key = `${userId}/${communityId ?? ''}`;
    if (!counted.has(key)) counted.set(key, storage.listWarnings(userId, communityId).then((w) => w.length));
    return counted.get(key)!;
  };
  return Promise.all(
    reports.map(async (r) => ({
      id: r.id,
      kind: r.kind,
      queue: r.queue,
      reporter: person(r.reporterId),
      accused: r.accusedId ? person(r.accusedId) : null,
      communityId: r.communityId,
      channelId: r.channelId,
      seq: r.seq,
      messageSeq: r.messageSeq,
      reason: r.reason as ReportReason,
      comment: r.comment,
      message: r.disclosed === null ? null : { ...disclosedText(r.disclosed), ts: r.messageTs, verdict: r.verdict ?? 'unverifiable' },
      status: r.status,
      resolution: r.resolution,
      resolvedBy: r.resolvedBy,
      resolvedAt: r.resolvedAt,
      createdAt: r.createdAt,
      warnings: r.accusedId ? await warningsOf(r.accusedId, r.queue === 'community' ? r.communityId : null) : 0,
    })),
  );
}

/** The file ids a disclosed body names (a message carries at most MAX_FILES_PER_MESSAGE). */
function disclosedFileIds(plaintext: string): string[] {
  try {
    const files = (JSON.parse(plaintext) as { files?: unknown }).files;
    if (!Array.isArray(files)) return [];
    return files
      .slice(0, MAX_FILES_PER_MESSAGE)
      .map((f) => (f as { id?: unknown } | null)?.id)
      .filter((id): id is string => typeof id === 'string' && FILE_ID.test(id));
  } catch {
    return [];
  }
}

/** The readable part of a disclosed body: its text (or a poll's question) and how many files it names. */
function disclosedText(plaintext: string): { text: string; files: number } {
  try {
    const o = JSON.parse(plaintext) as { text?: unknown; poll?: { question?: unknown }; files?: unknown };
    const text = typeof o.text === 'string' ? o.text : typeof o.poll?.question === 'string' ? `📊 ${o.poll.question}` : '';
    return { text, files: Array.isArray(o.files) ? o.files.length : 0 };
  } catch {
    return { text: '', files: 0 };
  }
}

/** The report as its reviewer may act on it, with the reviewer's community standing for a community report; 404 for anyone else. */
export async function reviewable(c: Ctx, storage: Storage, id: string): Promise<{ report: Report; standing: Standing | null }> {
  const report = await storage.getReport(id);
  if (!report) throw notFound();
  const user = c.var.auth.user;
  if (report.queue === 'instance') {
    if (!isInstanceStaff(user)) throw notFound();
    return { report, standing: null };
  }
  const standing = await standingIn(c, storage, report.communityId!).catch(() => null);
  if (!standing || (standing.bits & REVIEW_BITS) === 0) throw notFound();
  return { report, standing };
}

const COMMUNITY_ACTIONS: ReadonlySet<ReportAction> = new Set(['dismiss', 'warn', 'delete', 'timeout', 'kick', 'ban', 'escalate']);
const INSTANCE_ACTIONS: ReadonlySet<ReportAction> = new Set(['dismiss', 'warn', 'delete', 'quarantine']);

/** Resolves an open report with `action`, doing what it says; each step is audited. */
export async function resolveReport(c: Ctx, storage: Storage, id: string, action: ReportAction, note: string | undefined, seconds: number | undefined): Promise<Report> {
  const { report, standing } = await reviewable(c, storage, id);
  const actor = c.var.auth.user;
  if (report.status !== 'open') throw new ApiError('conflict', 'this report was already resolved');
  const allowed = standing ? COMMUNITY_ACTIONS : INSTANCE_ACTIONS;
  if (!allowed.has(action)) throw new ApiError('validation_failed', `action: ${action} is not for ${standing ? "a community's moderators" : "the instance's admins"}; use one of ${[...allowed].join(', ')}`);
  const accused = report.accusedId;
  const reason = note ?? report.reason;
  if (action === 'escalate') {
    const moved = await storage.updateOpenReport(report.id, { queue: 'instance' });
    if (!moved) throw new ApiError('conflict', 'this report was already resolved');
    await audit(c, 'report_resolved', actor.id, { reportId: report.id, action });
    return moved;
  }
  if (action !== 'dismiss' && !accused) throw new ApiError('validation_failed', 'this report names nobody to act on');
  if (action !== 'dismiss' && report.kind === 'community' && action !== 'warn') throw new ApiError('validation_failed', 'a report about a community can be dismissed or its owner warned');
  if (standing) {
    if (action === 'warn') await warnMember(c, storage, standing, accused!, reason, report.id);
    if (action === 'timeout') await timeOutMember(c, storage, standing, accused!, seconds ?? 3600);
    if (action === 'kick') await kickMember(c, storage, standing, accused!);
    if (action === 'ban') await banUser(c, storage, standing, accused!, reason);
    if (action === 'delete') {
      if (!has(standing.bits, Permission.MANAGE_MESSAGES)) throw new ApiError('forbidden', 'this needs the MANAGE_MESSAGES permission');
      const author = await storage.getMember(standing.community.id, accused!);
      if (!outranks(standing.member.role, author?.role ?? 'member')) throw new ApiError('forbidden', 'you cannot delete a message by someone who outranks you');
    }
  } else {
    if (action === 'warn') await addWarning(c, storage, null, accused!, reason, report.id);
    if (action === 'quarantine') await holdAccount(c, storage, accused!, reason);
  }
  if (action === 'delete') {
    if (report.kind !== 'message') throw new ApiError('validation_failed', 'only a reported message can be deleted');
    const room = c.env.CHANNEL_ROOM.get(c.env.CHANNEL_ROOM.idFromName(report.channelId!));
    // Null: already gone (its author or someone else deleted it, or it disappeared); the report still closes.
    await room.moderatorDelete(report.messageSeq ?? report.seq!, actor.id);
    // Its files go with it. The disclosed plaintext names them; only when franking proved the
    // accused sent exactly that text, and only files they uploaded to that channel (a reporter
    // cannot make a reviewer delete anything else).
    if (report.verdict === 'verified' && report.disclosed) {
      for (const fileId of disclosedFileIds(report.disclosed)) {
        const f = await storage.getFile(fileId);
        if (f && f.channelId === report.channelId && f.uploaderId === accused) await deleteFile(c.env, storage, f);
      }
    }
  }
  const closed = await storage.updateOpenReport(report.id, { status: action === 'dismiss' ? 'dismissed' : 'actioned', resolution: action, resolvedBy: actor.id, resolvedAt: c.var.now() });
  if (!closed) throw new ApiError('conflict', 'this report was already resolved');
  await audit(c, 'report_resolved', actor.id, { reportId: report.id, action });
  return closed;
}

/** A moderator warns a member of their community (TIMEOUT, and a rank above theirs). */
export async function warnMember(c: Ctx, storage: Storage, s: Standing, userId: string, reason: string, reportId: string | null = null): Promise<Warning> {
  if (!has(s.bits, Permission.TIMEOUT)) throw new ApiError('forbidden', 'this needs the TIMEOUT permission');
  const target = await storage.getMember(s.community.id, userId);
  if (!target) throw new ApiError('not_found', 'no such member');
  if (!outranks(s.member.role, target.role)) throw new ApiError('forbidden', 'you can only warn members whose role is below yours');
  return addWarning(c, storage, s, userId, reason, reportId);
}

/**
 * Records a warning (community `s`, or instance-wide when null), tells the member's devices, and
 * applies the community's automatic timeout when this warning reaches its threshold (and each
 * multiple of it).
 */
export async function addWarning(c: Ctx, storage: Storage, s: Standing | null, userId: string, reason: string, reportId: string | null): Promise<Warning> {
  const now = c.var.now();
  const communityId = s?.community.id ?? null;
  const warning = await storage.addWarning({ id: newId(), communityId, userId, moderatorId: c.var.auth.user.id, reason, reportId, createdAt: now });
  await audit(c, 'member_warned', c.var.auth.user.id, { ...(communityId ? { communityId } : {}), targetId: userId, warningId: warning.id });
  if (s) {
    const policy = await storage.getCommunityModeration(s.community.id);
    const count = (await storage.listWarnings(userId, s.community.id)).length;
    if (policy.warnThreshold !== null && count % policy.warnThreshold === 0) {
      const seconds = policy.warnTimeoutSeconds ?? 3600;
      await storage.updateMember(s.community.id, userId, { timedOutUntil: now + seconds * 1000 });
      await audit(c, 'member_timed_out', c.var.auth.user.id, { communityId: s.community.id, targetId: userId, seconds, automatic: true, warnings: count });
      await notifyPermissions(c, storage, await storage.listChannels(s.community.id), [userId]);
    }
  }
  await announceListChange(c.env, [userId], { scope: 'account' });
  return warning;
}

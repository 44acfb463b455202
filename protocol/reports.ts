/**
 * Reports and warnings (issue #16 items 1–2): what a member sends to report a message, a user or
 * a community, what a reviewer sends to resolve it, and the bounds on both.
 *
 * A message report discloses that message's plaintext — the exact JSON text the reporter's
 * device decrypted, with the franking key inside — and the franking commitment and room tag its
 * envelope carried, so the server can check it (protocol/franking.ts). Nothing else a member
 * sends here is ever content the server could not already see.
 */
import * as v from 'valibot';
import { Id } from './communities';
import { CleanText } from './names';
import { FRANKING_PATTERN } from './franking';

export const REPORT_REASONS = ['spam', 'harassment', 'hate', 'sexual', 'violence', 'self_harm', 'illegal', 'other'] as const;
export type ReportReason = (typeof REPORT_REASONS)[number];

/** Longest comment on a report, and longest note on a resolution or warning reason. */
export const MAX_REPORT_COMMENT_CHARS = 1000;
export const MAX_WARNING_REASON_CHARS = 500;
/**
 * Largest disclosed plaintext: a message body is far smaller (4,000 characters of text, ten file
 * references), and this keeps the whole report under the API's 64 KiB body bound.
 */
export const MAX_DISCLOSED_CHARS = 48 * 1024;
/** Open reports one account may have waiting at once: enough for a bad day, not for flooding a queue. */
export const MAX_OPEN_REPORTS_PER_USER = 20;
/** Reports one account may file per hour. */
export const REPORTS_PER_HOUR = 30;

const Seq = v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(Number.MAX_SAFE_INTEGER));
const Reason = v.picklist(REPORT_REASONS, `reason must be one of ${REPORT_REASONS.join(', ')}`);
const Comment = v.optional(CleanText(MAX_REPORT_COMMENT_CHARS, 'comment'));

/** What the reporter's device decrypted, and what the envelope carried beside it. */
export const Disclosure = v.strictObject({
  plaintext: v.pipe(v.string(), v.minLength(1), v.maxLength(MAX_DISCLOSED_CHARS, `plaintext exceeds ${MAX_DISCLOSED_CHARS} characters`)),
  sender: Id,
  ts: v.pipe(v.number(), v.integer(), v.minValue(0)),
  franking: v.optional(v.pipe(v.string(), v.regex(FRANKING_PATTERN, 'franking must be 43 base64url characters'))),
  frankTag: v.optional(v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{22}$/, 'frankTag must be 22 base64url characters'))),
});

export const ReportRequest = v.variant('kind', [
  v.strictObject({
    kind: v.literal('message'),
    channelId: Id,
    /** The envelope whose plaintext is disclosed (an edit's own seq for an edited message). */
    seq: Seq,
    /** The message it belongs to, when `seq` is an edit of it. */
    messageSeq: v.optional(Seq),
    reason: Reason,
    comment: Comment,
    disclosure: Disclosure,
  }),
  v.strictObject({ kind: v.literal('user'), userId: Id, reason: Reason, comment: Comment }),
  v.strictObject({ kind: v.literal('community'), communityId: Id, reason: Reason, comment: Comment }),
]);
export type ReportRequest = v.InferOutput<typeof ReportRequest>;

/**
 * What a reviewer does with a report. Community moderators: dismiss, warn, delete (the
 * message), timeout, kick, ban, escalate (to the instance's admins); each needs its own community
 * permission. Instance admins: dismiss, warn, delete, quarantine.
 */
export const REPORT_ACTIONS = ['dismiss', 'warn', 'delete', 'timeout', 'kick', 'ban', 'escalate', 'quarantine'] as const;
export type ReportAction = (typeof REPORT_ACTIONS)[number];

export const ResolveReportRequest = v.strictObject({
  action: v.picklist(REPORT_ACTIONS, `action must be one of ${REPORT_ACTIONS.join(', ')}`),
  /** The warning's, ban's or quarantine's reason (the accused sees a warning's); defaults to the report's reason. */
  note: v.optional(CleanText(MAX_WARNING_REASON_CHARS, 'note')),
  /** A timeout's length. */
  seconds: v.optional(v.pipe(v.number(), v.integer(), v.minValue(60), v.maxValue(28 * 86_400))),
});

export const WarnRequest = v.strictObject({ reason: v.pipe(CleanText(MAX_WARNING_REASON_CHARS, 'reason'), v.minLength(1, 'say why')) });

/** A community's automatic timeout after warnings: null turns it off. */
export const CommunityModerationRequest = v.strictObject({
  warnThreshold: v.nullable(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(20))),
  warnTimeoutSeconds: v.nullable(v.pipe(v.number(), v.integer(), v.minValue(60), v.maxValue(28 * 86_400))),
});

/** A report as reviewers see it. */
export interface ReportView {
  id: string;
  kind: 'message' | 'user' | 'community';
  queue: 'community' | 'instance';
  reporter: { id: string; username: string | null };
  accused: { id: string; username: string | null } | null;
  communityId: string | null;
  channelId: string | null;
  seq: number | null;
  messageSeq: number | null;
  reason: ReportReason;
  comment: string;
  /** The disclosed message: its text (and how many files it named), and what franking proved about it. */
  message: { text: string; files: number; ts: number | null; verdict: 'verified' | 'altered' | 'forged' | 'unverifiable' } | null;
  status: 'open' | 'dismissed' | 'actioned';
  resolution: string | null;
  resolvedBy: string | null;
  resolvedAt: number | null;
  createdAt: number;
  /** How many warnings the accused has (in this community, or instance-wide for the instance queue). */
  warnings: number;
}

/** Most messages one purge deletes in one channel: a larger backlog takes another purge (the answer says `more`). */
export const MAX_PURGE_PER_CHANNEL = 1000;

/**
 * Purge (issue #16 item 4): delete a member's messages sent in [since, until] (ms; defaults: from
 * the beginning, until now) in one channel or, without `channelId`, every channel of the
 * community. `dryRun` only counts them (the confirmation step).
 */
export const PurgeRequest = v.strictObject({
  channelId: v.optional(Id),
  since: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0))),
  until: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0))),
  dryRun: v.optional(v.boolean()),
});

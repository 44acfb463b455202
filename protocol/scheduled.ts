/**
 * Scheduled messages (issue #15 item 4): a message sealed now and released by the room later,
 * even while every device of its sender is offline.
 *
 * The sender's client seals the message exactly as it would send it, for the recipients epoch it
 * read the members at, and hands the ciphertext to the room with a release time. The room keeps it
 * (opaque, like every envelope) in its own SQLite storage and its alarm releases it at that time
 * as an ordinary message from its sender: the next seq, the release time as `ts`, fan-out, unread
 * counts, the channel's disappearing timer.
 *
 * At release the room applies the rule it applies to every send (issue #20): an envelope sealed for
 * an older recipients epoch is not delivered. If someone joined, left or changed devices since the
 * message was sealed — so a new member could not read it, or a removed one (whose copy of the old
 * sender key the rotation retired) could — the room holds it instead (`held: 'members_changed'`),
 * and the first of the sender's devices that opens the channel seals it again for the current
 * members and sends it with the same clientMsgId, which replaces the held copy. While the sender
 * may not send there (timed out, a role taken away: the worker tells the room), theirs are held as
 * `forbidden` and go back to waiting when they may again; leaving the channel discards them. The
 * room judges this from what it was told, never from the database at release: an alarm may run
 * when the database cannot be reached at once (a PostgreSQL pool idle past its timeout made the
 * first version, which asked it, hang). docs/protocol.md and SECURITY.md describe this.
 */
import type { Mentions } from './frames';

/** Most pending scheduled messages one user keeps in one channel. */
export const MAX_SCHEDULED_PER_USER = 25;
/** Furthest ahead a message may be scheduled: a year. */
export const MAX_SCHEDULE_AHEAD_MS = 366 * 24 * 60 * 60 * 1000;

// The frames themselves (`schedule`, `unschedule`, `scheduled`) are in frames.ts with the others.

/** Why the room did not release a due message. */
export type HeldReason = 'members_changed' | 'forbidden';

/** One pending scheduled message as its sender's devices see it. */
export interface ScheduledOut {
  clientMsgId: string;
  ciphertext: string;
  at: number;
  createdAt: number;
  replyTo?: number;
  mentions?: Mentions;
  /** Set once it was due but not released (see the file comment). */
  held?: HeldReason;
}

/** Room → client (the sender's own sockets only): every pending scheduled message of yours here, soonest first. */
export interface ScheduledListOut {
  type: 'scheduled';
  items: ScheduledOut[];
}

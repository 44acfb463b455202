/**
 * What a channel tells its members' hubs after it accepted an envelope: the channel's head moved,
 * who sent what (sending marks as read), and whom it mentions — so each user's hub keeps unread
 * and mention counts for every channel over one socket per device.
 *
 * Coalescing: the first envelope of a quiet channel opens a batch; envelopes accepted during the
 * next COALESCE_MS join it; then one recipient lookup (cached for RECIPIENTS_TTL_MS) and one RPC
 * per member hub carry the whole batch. Cost: at most O(members) RPCs per channel per COALESCE_MS,
 * however fast the channel is, instead of per envelope. Price: badges lag the message by up to
 * COALESCE_MS (the channel socket itself is not delayed), and a batch in flight when the room's
 * isolate dies is lost — the next envelope corrects the head, only its mentions would be missing.
 *
 * It never sees content (only seq, sender and the mention routing header) and never blocks the
 * relay: the room calls it through ctx.waitUntil after the envelope is stored and relayed.
 */
import type { EnvelopeOut } from '../protocol/frames';
import type { Env } from '../worker/env';
import { channelRecipients, hubOf } from '../worker/hubs';
import type { ChannelUpdate } from './UserHub';

/** How long a channel's activity is gathered before member hubs hear of it: badges may lag by this. */
export const COALESCE_MS = 1_000;
/** Hub RPCs in flight at once from one flush, so a 10,000-member channel does not open 10,000 calls together. */
const PARALLEL_RPCS = 64;

/**
 * Whom an envelope mentions, from its routing header: user ids, `everyone` (every member who may
 * view the channel) or `here` (those of them with a hub socket connected). Gated by the room
 * (MENTION_EVERYONE) before it gets here.
 */
export type EnvelopeMentions = string[] | 'everyone' | 'here';

interface Batch {
  head: number;
  /** Newest seq each sender sent in the batch. */
  own: Map<string, number>;
  /** Seqs that mention each user directly. */
  direct: Map<string, number[]>;
  /** Seqs with @everyone / @here, with their senders (who are not mentioned by their own message). */
  everyone: { seq: number; sender: string }[];
  here: { seq: number; sender: string }[];
  done: Promise<void>;
}

/** Where a batcher finds recipients and sends updates, and how it waits (injected for tests). */
export interface ActivitySink {
  recipients(channelId: string): Promise<string[]>;
  notify(userId: string, update: ChannelUpdate): Promise<void>;
  wait(ms: number): Promise<void>;
}

/** Gathers accepted envelopes per channel for COALESCE_MS, then sends one update per member hub. */
export class ActivityBatcher {
  private readonly pending = new Map<string, Batch>();

  constructor(
    private readonly sink: ActivitySink,
    private readonly delayMs = COALESCE_MS,
  ) {}

  /** Records an accepted envelope; resolves when the batch it joined has been delivered. */
  add(channelId: string, envelope: Pick<EnvelopeOut, 'seq' | 'sender'>, mentions?: EnvelopeMentions): Promise<void> {
    let batch = this.pending.get(channelId);
    if (!batch) {
      const b: Batch = { head: 0, own: new Map(), direct: new Map(), everyone: [], here: [], done: Promise.resolve() };
      b.done = this.sink.wait(this.delayMs).then(() => {
        this.pending.delete(channelId);
        return this.flush(channelId, b);
      });
      this.pending.set(channelId, b);
      batch = b;
    }
    const { seq, sender } = envelope;
    batch.head = Math.max(batch.head, seq);
    batch.own.set(sender, Math.max(batch.own.get(sender) ?? 0, seq));
    if (mentions === 'everyone') batch.everyone.push({ seq, sender });
    else if (mentions === 'here') batch.here.push({ seq, sender });
    else for (const u of new Set(mentions ?? [])) if (u !== sender) batch.direct.set(u, [...(batch.direct.get(u) ?? []), seq]);
    return batch.done;
  }

  /** One update per member who may view the channel; never rejects (a hub that is away catches up at the next batch). */
  private async flush(channelId: string, b: Batch): Promise<void> {
    let recipients: string[];
    try {
      recipients = await this.sink.recipients(channelId);
    } catch {
      return;
    }
    for (let i = 0; i < recipients.length; i += PARALLEL_RPCS) {
      await Promise.allSettled(recipients.slice(i, i + PARALLEL_RPCS).map((u) => this.sink.notify(u, updateFor(channelId, b, u))));
    }
  }
}

/** One batcher per isolate (a channel's room lives in one isolate, so its batches gather in one place). */
let batcher: ActivityBatcher | undefined;

/** Records an accepted envelope; resolves when the batch it joined has reached the member hubs. */
export function channelActivity(env: Env, channelId: string, envelope: Pick<EnvelopeOut, 'seq' | 'sender'>, mentions?: EnvelopeMentions): Promise<void> {
  if (!env.USER_HUB) return Promise.resolve();
  batcher ??= new ActivityBatcher({
    recipients: (id) => channelRecipients(env, id),
    notify: (userId, update) => hubOf(env, userId).channelMoved(userId, update),
    wait: (ms) => new Promise((r) => setTimeout(r, ms)),
  });
  return batcher.add(channelId, envelope, mentions);
}

/** What one member's hub needs from a batch. */
export function updateFor(channelId: string, b: Pick<Batch, 'head' | 'own' | 'direct' | 'everyone' | 'here'>, userId: string): ChannelUpdate {
  const u: ChannelUpdate = { channelId, head: b.head };
  const own = b.own.get(userId);
  if (own !== undefined) u.ownSeq = own;
  const mentionSeqs = [...(b.direct.get(userId) ?? []), ...b.everyone.filter((e) => e.sender !== userId).map((e) => e.seq)];
  if (mentionSeqs.length) u.mentionSeqs = mentionSeqs.sort((x, y) => x - y);
  const hereSeqs = b.here.filter((e) => e.sender !== userId).map((e) => e.seq);
  if (hereSeqs.length) u.hereSeqs = hereSeqs;
  return u;
}

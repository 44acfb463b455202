/**
 * Coalescing (issue #18): envelopes queued for a set of sockets and sent on a zero-delay timer,
 * which runs after the frames already waiting for the object. Under light load the timer is the
 * next thing the object does, so nothing waits; in a burst the envelopes queued meanwhile go out
 * together, one frame per socket instead of one per envelope (workerd's per-frame send dominates
 * a relay's CPU). At MAX_BATCH_BYTES queued it sends at once, so a long burst does not hold the
 * first envelope back. Used by a channel's room and by its relay shards alike.
 *
 * Per-socket order: before anything else is sent to one socket, `flushTo` sends it its share of
 * the queue (and remembers that), so every socket receives frames in the order they were made.
 */
import { metrics } from '../worker/observability/metrics';

/** Bytes of envelope frames one `envelopes` frame carries at most (see ChannelRoom.ts). */
export const MAX_BATCH_BYTES = 256 * 1024;

/**
 * Sends `to` the entries from index `from` on that are for it, as it takes them; how many it sent.
 * `whole` gives the frames of all the entries, shared by the sockets that get all of them.
 */
export type Deliver<S, E> = (to: S, entries: readonly E[], from: number, whole?: () => string[]) => number;

export class Outbox<S, E extends { text: string }> {
  private entries: E[] = [];
  private bytes = 0;
  /** How much of the queue a socket was already sent (something else went to it after its envelopes). */
  private readonly sent = new Map<S, number>();
  private scheduled = false;

  constructor(
    /** The sockets a flush goes to (deleting from a Map while iterating it is well defined, so a close during the flush is safe). */
    private readonly sockets: () => Iterable<S>,
    private readonly deliver: Deliver<S, E>,
    /** The frames of all of `texts`, in order, for a socket that takes batches. */
    private readonly frames: (texts: string[]) => string[],
  ) {}

  get size(): number {
    return this.entries.length;
  }

  push(entry: E): void {
    this.entries.push(entry);
    this.bytes += entry.text.length;
    if (this.bytes >= MAX_BATCH_BYTES) return this.flush();
    if (this.scheduled) return;
    this.scheduled = true;
    setTimeout(() => {
      this.scheduled = false;
      this.flush();
    }, 0);
  }

  /** Sends every socket what the queue holds for it. */
  flush(): void {
    const entries = this.entries;
    if (entries.length === 0) return;
    this.entries = [];
    this.bytes = 0;
    let whole: string[] | undefined;
    const wholeFrames = () => (whole ??= this.frames(entries.map((e) => e.text)));
    let delivered = 0;
    for (const s of this.sockets()) {
      const from = this.sent.get(s) ?? 0;
      if (from < entries.length) delivered += this.deliver(s, entries, from, wholeFrames);
    }
    this.sent.clear();
    if (delivered > 0) metrics.deliveries.inc({}, delivered);
  }

  /** Before anything else is sent to `socket`: its share of the queue, and nobody else's yet. */
  flushTo(socket: S): void {
    const from = this.sent.get(socket) ?? 0;
    if (from >= this.entries.length) return;
    this.sent.set(socket, this.entries.length);
    const delivered = this.deliver(socket, this.entries, from);
    if (delivered > 0) metrics.deliveries.inc({}, delivered);
  }
}

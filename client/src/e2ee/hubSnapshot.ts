/**
 * The frames a hub connection opens with: the unread counts of every conversation, then `ready`
 * (durable-objects/UserHub.ts `connect`). The engine opens its hub socket as it starts, and a
 * screen subscribes once the engine is there: on a loaded machine the snapshot had already
 * arrived by then, so the screen never saw `ready`, took every later unread change for part of
 * a snapshot, and raised no notification (a flaky CI run: the count rose, nothing was shown).
 * This keeps the current connection's snapshot and hands it to a listener that subscribes late.
 *
 * A call ringing is state too, not only an event: the hub rings a connecting device right after
 * `ready`, and a ring may come at any time before the screen subscribes. A listener subscribing
 * late is handed the calls still ringing (a CI run: the callee's page opened, the ring came
 * before its screen listened, and it never rang).
 */
import { RING_MS, type HubServerFrame } from '../../../protocol/hub';

type RingFrame = Extract<HubServerFrame, { type: 'ring' }>;

export class HubSnapshot {
  private frames: HubServerFrame[] = [];
  private complete = false;
  /** The calls ringing on this connection, by channel, with when the ring came. */
  private rings = new Map<string, { frame: RingFrame; at: number }>();

  constructor(private readonly clock: () => number = Date.now) {}

  /** A new connection opened: its snapshot starts empty (the hub rings again what still rings). */
  begin(): void {
    this.frames = [];
    this.complete = false;
    this.rings.clear();
  }

  /** A frame arrived: kept while the snapshot lasts (up to and including `ready`); rings while they ring. */
  record(frame: HubServerFrame): void {
    if (frame.type === 'ring') {
      if (frame.state === 'ringing') this.rings.set(frame.channelId, { frame, at: this.clock() });
      else this.rings.delete(frame.channelId);
      return;
    }
    if (this.complete) return;
    this.frames.push(frame);
    if (frame.type === 'ready') this.complete = true;
  }

  /** What a listener subscribing now has missed: this connection's snapshot in order, then the calls still ringing. */
  missed(): readonly HubServerFrame[] {
    const now = this.clock();
    return [...this.frames, ...[...this.rings.values()].filter((r) => now - r.at < RING_MS).map((r) => r.frame)];
  }
}

/**
 * The frames a hub connection opens with: the unread counts of every conversation, then `ready`
 * (durable-objects/UserHub.ts `connect`). The engine opens its hub socket as it starts, and a
 * screen subscribes once the engine is there: on a loaded machine the snapshot had already
 * arrived by then, so the screen never saw `ready`, took every later unread change for part of
 * a snapshot, and raised no notification (a flaky CI run: the count rose, nothing was shown).
 * This keeps the current connection's snapshot and hands it to a listener that subscribes late.
 */
import type { HubServerFrame } from '../../../protocol/hub';

export class HubSnapshot {
  private frames: HubServerFrame[] = [];
  private complete = false;

  /** A new connection opened: its snapshot starts empty. */
  begin(): void {
    this.frames = [];
    this.complete = false;
  }

  /** A frame arrived: kept while the snapshot lasts (up to and including `ready`). */
  record(frame: HubServerFrame): void {
    if (this.complete) return;
    this.frames.push(frame);
    if (frame.type === 'ready') this.complete = true;
  }

  /** What a listener subscribing now has missed of this connection's snapshot, in order. */
  missed(): readonly HubServerFrame[] {
    return this.frames;
  }
}

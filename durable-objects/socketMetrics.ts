/**
 * Counting open sockets and active rooms for the metrics (issue #19 item 5). The runtime may
 * report one socket's end twice (an error, then its close), so each is counted down once. Each
 * room's open sockets are counted here, in module state (it outlives a hibernating object in the
 * isolate), so a join or a leave costs O(1) and never lists the room's sockets.
 */
import { metrics } from '../worker/observability/metrics';

/** `relayed`: a member's channel socket held by a relay shard of a large channel (issue #18 item 5). */
export type SocketKind = 'channel' | 'relayed' | 'call' | 'hub';

const ended = new WeakSet<WebSocket>();
const openInRoom = new Map<string, number>();

/** After `acceptWebSocket`: `room` says whether this object is a channel room (counted as active while it has a socket). */
export function socketOpened(ctx: DurableObjectState, kind: SocketKind, room: boolean): void {
  metrics.socketsOpen.add(1, { kind });
  if (!room) return;
  const id = ctx.id.toString();
  const n = (openInRoom.get(id) ?? 0) + 1;
  openInRoom.set(id, n);
  if (n === 1) metrics.roomsActive.add(1);
}

/** From the close and error handlers. */
export function socketEnded(ctx: DurableObjectState, ws: WebSocket, kind: SocketKind, room: boolean): void {
  if (ended.has(ws)) return;
  ended.add(ws);
  metrics.socketsOpen.add(-1, { kind });
  if (!room) return;
  const id = ctx.id.toString();
  const n = (openInRoom.get(id) ?? 0) - 1;
  if (n > 0) return void openInRoom.set(id, n);
  if (openInRoom.delete(id)) metrics.roomsActive.add(-1);
}

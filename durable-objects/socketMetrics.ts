/**
 * Counting open sockets and active rooms for the metrics (issue #19 item 5). The runtime may
 * report one socket's end twice (an error, then its close), so each is counted down once.
 */
import { metrics } from '../worker/observability/metrics';

export type SocketKind = 'channel' | 'call' | 'hub';

const ended = new WeakSet<WebSocket>();
const live = (ctx: DurableObjectState) => ctx.getWebSockets().filter((w) => !ended.has(w)).length;

/** After `acceptWebSocket`: `room` says whether this object is a channel room (counted as active while it has a socket). */
export function socketOpened(ctx: DurableObjectState, kind: SocketKind, room: boolean): void {
  metrics.socketsOpen.add(1, { kind });
  if (room && live(ctx) === 1) metrics.roomsActive.add(1);
}

/** From the close and error handlers. */
export function socketEnded(ctx: DurableObjectState, ws: WebSocket, kind: SocketKind, room: boolean): void {
  if (ended.has(ws)) return;
  ended.add(ws);
  metrics.socketsOpen.add(-1, { kind });
  if (room && live(ctx) === 0) metrics.roomsActive.add(-1);
}

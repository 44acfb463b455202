/**
 * The Durable Object shell for one channel (or DM): accepts hibernatable WebSockets and forwards
 * every event to ChannelRoom. Per-socket identity lives in the socket's attachment, so it
 * survives hibernation; the socket list is cached in memory and rebuilt when the object wakes,
 * rather than asked of the runtime for every message.
 */
import { DurableObject } from 'cloudflare:workers';
import { ChannelRoom, type Connection, type ConnectionRegistry } from './ChannelRoom';
import { SqliteChannelLog } from './ChannelLog';

interface Attachment {
  sender: string;
}

/** The room's sockets, cached: rebuilt from the runtime after hibernation, then kept in step. */
class HibernatingRegistry implements ConnectionRegistry {
  private readonly bySocket = new Map<WebSocket, Connection>();

  constructor(ctx: DurableObjectState) {
    for (const socket of ctx.getWebSockets()) this.add(socket);
  }

  add(socket: WebSocket): Connection {
    const attachment = (socket.deserializeAttachment() ?? { sender: 'anonymous' }) as Attachment;
    const conn = { socket, sender: attachment.sender };
    this.bySocket.set(socket, conn);
    return conn;
  }

  all(): Iterable<Connection> {
    return this.bySocket.values();
  }

  get(socket: WebSocket): Connection | undefined {
    return this.bySocket.get(socket);
  }

  remove(socket: WebSocket): void {
    this.bySocket.delete(socket);
  }
}

export class ChannelRoomObject extends DurableObject {
  private readonly registry = new HibernatingRegistry(this.ctx);
  private readonly room = new ChannelRoom(new SqliteChannelLog(this.ctx.storage.sql), this.registry, () => Date.now());

  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get('Upgrade')?.toLowerCase() !== 'websocket') {
      return Response.json({ error: { code: 'bad_request', message: 'expected a WebSocket upgrade' } }, { status: 426 });
    }
    const pair = new WebSocketPair();
    const server = pair[1];
    this.ctx.acceptWebSocket(server);
    server.serializeAttachment({ sender: request.headers.get('X-Chatalot-Sender') ?? 'anonymous' } satisfies Attachment);
    this.registry.add(server);
    return new Response(null, { status: 101, webSocket: pair[0] });
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    const conn = this.registry.get(ws) ?? this.registry.add(ws);
    this.room.receive(conn, message);
  }

  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    this.registry.remove(ws);
    try {
      ws.close(code === 1005 ? 1000 : code, 'closing');
    } catch {
      // already closed
    }
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    this.registry.remove(ws);
  }
}

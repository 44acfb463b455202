#!/usr/bin/env node
/**
 * The baseline for `npm run bench:fanout`: the smallest honest Node `ws` broadcast server that
 * speaks the same relay protocol as ChannelRoom, so the same client load can be pointed at it.
 *
 * For each `send` frame it parses the JSON, assigns the channel's next seq, acknowledges the
 * sender and broadcasts one envelope string, serialized once, to every other socket of the
 * channel. It answers `hello` from an in-memory log and `ping` with `pong`. It deliberately does
 * no storage, validation, authentication or idempotency: it is the ceiling a relay on one Node
 * thread can reach, not a server anyone should run.
 *
 *   node bench/wsBaseline.mjs [--port=0] [--host=127.0.0.1]   → prints "listening on ws://…"
 */
import { WebSocketServer } from './lib/ws.mjs';

const arg = (name, def) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? def;
const host = arg('host', '127.0.0.1');
const port = Number(arg('port', '0'));

/** channel id → { sockets, log, head } */
const channels = new Map();

const wss = new WebSocketServer({ host, port, perMessageDeflate: false, maxPayload: 256 * 1024 });

wss.on('connection', (ws, req) => {
  const m = /^\/ws\/channels\/([A-Za-z0-9_-]{1,64})$/.exec(req.url ?? '');
  if (!m) return ws.close(1008, 'no such socket');
  let ch = channels.get(m[1]);
  if (!ch) channels.set(m[1], (ch = { sockets: new Set(), log: [], head: 0 }));
  ch.sockets.add(ws);
  ws.on('close', () => ch.sockets.delete(ws));
  ws.on('error', () => ch.sockets.delete(ws));
  ws.on('message', (data) => {
    let frame;
    try {
      frame = JSON.parse(data);
    } catch {
      return ws.send('{"type":"error","error":{"code":"invalid_json","message":"frame is not valid JSON"}}');
    }
    if (frame.type === 'send') {
      const seq = ++ch.head;
      const ts = Date.now();
      const clientMsgId = frame.clientMsgId;
      ws.send(JSON.stringify({ type: 'ack', clientMsgId, seq, ts }));
      const envelope = JSON.stringify({ type: 'envelope', seq, clientMsgId, sender: 'anonymous', ciphertext: frame.ciphertext, ts });
      ch.log.push(envelope);
      for (const other of ch.sockets) if (other !== ws) other.send(envelope);
    } else if (frame.type === 'hello') {
      for (let i = Math.max(0, frame.lastSeq | 0); i < ch.log.length; i++) ws.send(ch.log[i]);
      ws.send(JSON.stringify({ type: 'ready', head: ch.head }));
    } else if (frame.type === 'ping') {
      ws.send('{"type":"pong"}');
    }
  });
});

wss.on('listening', () => {
  const a = wss.address();
  console.log(`ws-baseline: listening on ws://${a.address}:${a.port}`);
});

const stop = () => {
  for (const c of wss.clients) c.terminate();
  wss.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 1000).unref();
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

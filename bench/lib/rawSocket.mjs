/**
 * A receive-only WebSocket client on a bare TCP socket, for the thousands of listening members of
 * the fan-out bench. It does the RFC 6455 client handshake and then walks each TCP chunk frame by
 * frame, handing the caller (buffer, start, end) of every text/binary payload without copying,
 * decoding or emitting events: when the reader falls behind, one read returns many frames and they
 * cost a loop iteration each. Compared with the `ws` client this roughly halves the harness's CPU
 * per delivery, which matters because the harness shares the machine's cores with the server.
 *
 * Its only data frames are short texts (`text`, e.g. the `seen` progress reports), it answers ping and close, and does not support fragmented or
 * compressed messages (it offers no extensions, and neither server fragments small frames).
 */
import { createHash, randomBytes } from 'node:crypto';
import { connect } from 'node:net';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

export class RawReceiver {
  constructor(socket, onPayload) {
    this.socket = socket;
    this.onPayload = onPayload;
    this.pending = undefined;
    this.closed = false;
    this.onClose = () => {};
    this.protocolErrors = 0;
  }

  /** Feeds one TCP chunk; frames that straddle chunks wait in `pending`. */
  feed(chunk) {
    let buf = chunk;
    if (this.pending) {
      buf = Buffer.concat([this.pending, chunk]);
      this.pending = undefined;
    }
    const n = buf.length;
    let off = 0;
    while (n - off >= 2) {
      const b0 = buf[off];
      const b1 = buf[off + 1];
      let len = b1 & 0x7f;
      let hdr = 2;
      if (len === 126) {
        if (n - off < 4) break;
        len = buf.readUInt16BE(off + 2);
        hdr = 4;
      } else if (len === 127) {
        if (n - off < 10) break;
        len = buf.readUInt32BE(off + 6) + buf.readUInt32BE(off + 2) * 2 ** 32;
        hdr = 10;
      }
      if (b1 & 0x80) hdr += 4; // servers must not mask; tolerate it by skipping the key
      const end = off + hdr + len;
      if (end > n) break;
      const opcode = b0 & 0x0f;
      if (opcode === 1 || opcode === 2) {
        if (!(b0 & 0x80)) this.protocolErrors++; // fragmented: not expected for small frames
        this.onPayload(buf, off + hdr, end);
      } else if (opcode === 8) {
        this.close();
        return;
      } else if (opcode === 9) {
        this.control(0xa, buf.subarray(off + hdr, end));
      } else if (opcode !== 0xa) {
        this.protocolErrors++;
      }
      off = end;
    }
    if (off < n) this.pending = buf.subarray(off);
  }

  /** Sends a masked control frame (pong or close) with a short payload. */
  control(opcode, payload = Buffer.alloc(0)) {
    if (this.closed) return;
    const mask = randomBytes(4);
    const frame = Buffer.alloc(6 + payload.length);
    frame[0] = 0x80 | opcode;
    frame[1] = 0x80 | payload.length;
    mask.copy(frame, 2);
    for (let i = 0; i < payload.length; i++) frame[6 + i] = payload[i] ^ mask[i & 3];
    this.socket.write(frame);
  }

  /** Sends a short (under 126 bytes) text frame, such as a `seen` report. */
  text(str) {
    this.control(0x1, Buffer.from(str));
  }

  /** Polite close: close frame 1000, then end. */
  close() {
    if (this.closed) return;
    this.control(8, Buffer.from([0x03, 0xe8]));
    this.closed = true;
    this.socket.end();
  }

  /** Abrupt close, like ws.terminate(). */
  terminate() {
    this.closed = true;
    this.socket.destroy();
  }
}

/**
 * Opens `url` (ws://host:port/path) and resolves with a RawReceiver once the server answered 101.
 * `onPayload(buf, start, end)` receives every data frame; `protocols` / `headers` are sent on the
 * upgrade request (where credentials will go once the relay socket is authenticated).
 */
export function connectRaw(url, { onPayload, protocols, headers = {}, timeoutMs = 15_000 }) {
  const u = new URL(url);
  if (u.protocol !== 'ws:') throw new Error('connectRaw supports ws:// only (the bench is loopback)');
  const key = randomBytes(16).toString('base64');
  const expectAccept = createHash('sha1').update(key + GUID).digest('base64');
  return new Promise((resolve, reject) => {
    const socket = connect({ host: u.hostname, port: Number(u.port || 80) });
    socket.setNoDelay(true);
    const timer = setTimeout(() => fail(new Error('handshake timeout')), timeoutMs);
    let head = Buffer.alloc(0);
    const fail = (e) => {
      clearTimeout(timer);
      socket.destroy();
      reject(e);
    };
    socket.once('error', fail);
    const onHandshake = (chunk) => {
      head = Buffer.concat([head, chunk]);
      const endOfHeaders = head.indexOf('\r\n\r\n');
      if (endOfHeaders < 0) return;
      socket.off('data', onHandshake);
      socket.off('error', fail);
      clearTimeout(timer);
      const text = head.subarray(0, endOfHeaders).toString('latin1');
      const status = /^HTTP\/1\.1 (\d{3})/.exec(text)?.[1];
      const accept = /\r\nsec-websocket-accept:\s*([^\r]+)/i.exec(text)?.[1]?.trim();
      if (status !== '101') return fail(new Error(`upgrade refused with ${status ?? 'a malformed answer'}`));
      if (accept !== expectAccept) return fail(new Error('bad Sec-WebSocket-Accept'));
      const rx = new RawReceiver(socket, onPayload);
      socket.on('data', (c) => rx.feed(c));
      socket.on('error', () => {});
      socket.on('close', () => {
        rx.closed = true;
        rx.onClose();
      });
      resolve(rx);
      const rest = head.subarray(endOfHeaders + 4);
      if (rest.length) rx.feed(rest);
    };
    socket.on('data', onHandshake);
    socket.once('connect', () => {
      const lines = [
        `GET ${u.pathname}${u.search} HTTP/1.1`,
        `Host: ${u.host}`,
        'Upgrade: websocket',
        'Connection: Upgrade',
        `Sec-WebSocket-Key: ${key}`,
        'Sec-WebSocket-Version: 13',
      ];
      if (protocols?.length) lines.push(`Sec-WebSocket-Protocol: ${[].concat(protocols).join(', ')}`);
      for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
      socket.write(lines.join('\r\n') + '\r\n\r\n');
    });
  });
}

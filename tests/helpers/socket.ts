/**
 * A small WebSocket test client for the channel protocol: collects frames and waits for the
 * ones a test expects, with a deadline so a missing frame fails the test instead of hanging it.
 */
import WebSocket from 'ws';
import type { ServerFrame } from '../../protocol/frames';

export class TestSocket {
  readonly frames: ServerFrame[] = [];
  /** The size of each `envelopes` frame received (chatalot.v2 batches), in order. */
  readonly batches: number[] = [];
  private waiters: { predicate: (f: ServerFrame) => boolean; resolve: (f: ServerFrame) => void }[] = [];
  closed: { code: number; reason: string } | undefined;
  /**
   * Reports progress to a channel room like a real client (`seen` every 100 envelopes or acks or
   * 512 KiB, and after each history page), so the slow-reader bound (R7) never cuts off a test reader. Set it false
   * to play a reader that never reports.
   */
  autoSeen = true;
  private maxSeq = 0;
  private unreported = 0;
  private bytes = 0;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const text = String(data);
      const frame = JSON.parse(text) as ServerFrame;
      this.bytes += text.length;
      // A chatalot.v2 batch is taken apart: tests see its envelope frames, in order, as if sent one by one.
      if (frame.type === 'envelopes') this.batches.push(frame.envelopes.length);
      for (const f of frame.type === 'envelopes' ? frame.envelopes : [frame]) {
        this.frames.push(f);
        this.progress(f);
        this.waiters = this.waiters.filter((w) => (w.predicate(f) ? (w.resolve(f), false) : true));
      }
    });
    ws.on('close', (code, reason) => (this.closed = { code, reason: String(reason) }));
  }

  static open(url: string, options: WebSocket.ClientOptions = {}, protocols?: string[]): Promise<TestSocket> {
    return new Promise((resolve, reject) => {
      const ws = protocols ? new WebSocket(url, protocols, options) : new WebSocket(url, options);
      const socket = new TestSocket(ws);
      ws.once('open', () => resolve(socket));
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused with ${res.statusCode}`)));
    });
  }

  private progress(frame: ServerFrame): void {
    if (frame.type === 'envelope' || frame.type === 'ack') this.maxSeq = Math.max(this.maxSeq, frame.seq);
    if (frame.type === 'envelope' || frame.type === 'ack') this.unreported++;
    const page = frame.type === 'history' || frame.type === 'thread';
    if (!this.autoSeen || !(page || this.unreported >= 100 || this.bytes >= 512 * 1024) || this.ws.readyState !== WebSocket.OPEN) return;
    this.unreported = 0;
    this.bytes = 0;
    this.ws.send(JSON.stringify({ type: 'seen', seq: this.maxSeq }));
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** Resolves with the first frame (already received or future) matching `predicate`. */
  next<T = ServerFrame>(predicate: (f: ServerFrame) => boolean, timeoutMs = 10_000): Promise<T> {
    const seen = this.frames.find(predicate);
    if (seen) return Promise.resolve(seen as T);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching frame within ${timeoutMs} ms; got ${JSON.stringify(this.frames.slice(-5))}`)), timeoutMs);
      this.waiters.push({ predicate, resolve: (f) => (clearTimeout(timer), resolve(f as T)) });
    });
  }

  /**
   * Resolves when the server has started closing (its close frame arrived), which can be well
   * before the TCP connection ends and `close` fires.
   */
  async waitClosing(timeoutMs = 5_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.ws.readyState === WebSocket.OPEN) {
      if (Date.now() > deadline) throw new Error('socket is still open');
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  waitClosed(timeoutMs = 5_000): Promise<{ code: number; reason: string }> {
    if (this.closed) return Promise.resolve(this.closed);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('socket did not close')), timeoutMs);
      this.ws.once('close', (code, reason) => (clearTimeout(timer), resolve({ code, reason: String(reason) })));
    });
  }

  close(): void {
    this.ws.close();
  }
}

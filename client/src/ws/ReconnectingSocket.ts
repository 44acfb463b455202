/**
 * A WebSocket to the server that stays connected: the access token travels in the subprotocol
 * list (docs/protocol.md), a close for an expired token (4001) refreshes and reconnects at once,
 * other drops reconnect with exponential backoff and jitter (0.5 s doubling to 30 s), and the
 * browser's `online` event skips the wait. When the browser reports it went offline the socket
 * is dropped at once (a dead connection can otherwise look open for minutes) and no retry runs
 * until it is back online. Close codes meaning "do not come back" (4002 replaced,
 * 4003 removed, 4004 device deleted; on a call socket 4010 disconnected by a moderator, 4011
 * joined again elsewhere) stop it. It does not know any frame type: ChannelConnection and HubConnection do.
 */
import { createSignal, untrack, type Accessor } from 'solid-js';
import { freshAccessToken, isSigningOut, refreshSession } from '../api/http';
import { SUBPROTOCOL, SUBPROTOCOL_BATCHED } from '../../../protocol/frames';

export type SocketStatus = 'connecting' | 'open' | 'closed' | 'stopped';

/** First retry delay, ms; doubled per failed attempt. */
const BACKOFF_START_MS = 500;
/** Longest wait between attempts, ms: long enough to spare a struggling server. */
const BACKOFF_MAX_MS = 30_000;
/** While the browser says it is offline, how often it is asked again, ms (no network is used). */
const OFFLINE_RECHECK_MS = 2000;
/** Keep-alive ping interval, ms: under common proxy idle timeouts (60 s). */
const PING_MS = 25_000;
/** How long a first connection may take before the person is told they are offline, ms. */
const CONNECTING_GRACE_MS = 3000;
/**
 * How long one attempt (token, then the upgrade) may take before it is dropped and tried again,
 * ms. Without it an attempt that neither opens nor fails (a token request or upgrade the browser
 * never answers) kept the socket down for good: a CI run showed the offline banner for 30 s
 * after the browser was back online, with no new hub connection made.
 */
const ATTEMPT_TIMEOUT_MS = 10_000;

export interface SocketHandlers {
  /** The socket opened; send the resume frame (`hello`) here. */
  open(): void;
  frame(frame: unknown): void;
  /** The server closed with a code that means "stop" (STOP_CODES). */
  stopped?(code: number): void;
}

const STOP_CODES = new Set([4002, 4003, 4004, 4010, 4011]);

/** Every socket not yet closed, so a sign-out can stand them all down (`closeAllSockets`). */
const live = new Set<ReconnectingSocket>();

/**
 * Closes every socket of this page: a sign-out does this before it revokes the session, so no
 * socket reconnects with the revoked token (the server refuses it: "HTTP Authentication failed").
 */
export function closeAllSockets(): void {
  for (const socket of [...live]) socket.close();
}

export class ReconnectingSocket {
  private ws: WebSocket | null = null;
  /** Counts attempts begun; an attempt that is no longer the latest does nothing more. */
  private generation = 0;
  private attempts = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private pinger: ReturnType<typeof setInterval> | undefined;
  private closedByUs = false;
  private readonly statusSignal = createSignal<SocketStatus>('closed');
  readonly status: Accessor<SocketStatus> = this.statusSignal[0];
  private readonly downSignal = createSignal(false);
  private slowConnect: ReturnType<typeof setTimeout> | undefined;
  private watchdog: ReturnType<typeof setTimeout> | undefined;
  /**
   * Whether the person should be told this connection is down: it dropped, an attempt failed, or
   * the first one has taken longer than CONNECTING_GRACE_MS, and it has not opened since (or the
   * server stopped it). A first connection still under way is not "offline": counting it so made
   * the offline banner flash on every load, and the list below it jump (Lighthouse CLS, issue 12).
   */
  readonly down: Accessor<boolean> = () => this.statusSignal[0]() === 'stopped' || this.downSignal[0]();
  private readonly onOnline = () => {
    // Also when an attempt is under way: one begun while offline may take long to fail, and its
    // failure would then wait out a backoff. Back online means try now.
    console.debug(`socket ${this.path.split('?')[0]}: browser online while ${this.status()}`);
    if (this.status() !== 'open' && this.status() !== 'stopped') this.connectNow();
  };
  private readonly onOffline = () => {
    if (this.closedByUs) return;
    this.generation++; // an attempt still fetching its token stops there
    this.abandon();
    this.retry(undefined, 'browser offline');
  };

  constructor(
    private readonly path: string,
    private readonly handlers: SocketHandlers,
  ) {
    live.add(this);
    addEventListener('online', this.onOnline);
    addEventListener('offline', this.onOffline);
    void this.connect();
  }

  private setStatus(s: SocketStatus, why = '') {
    // One line per change, at debug level: a socket that stays down can be read from a test's console transcript.
    if (untrack(this.status) !== s) console.debug(`socket ${this.path.split('?')[0]}: ${s}${why && ` (${why})`}`);
    this.statusSignal[1](s);
    if (s === 'open' || s === 'stopped') clearTimeout(this.slowConnect);
    if (s === 'open') {
      this.downSignal[1](false);
    } else if (s === 'closed') this.downSignal[1](true);
    // untrack: the socket is made inside callers' computations (a session memo); reading the
    // signal there would make that computation rerun, and make a new socket, whenever it changed.
    else if (s === 'connecting' && !untrack(this.downSignal[0])) {
      clearTimeout(this.slowConnect);
      this.slowConnect = setTimeout(() => this.status() !== 'open' && this.downSignal[1](true), CONNECTING_GRACE_MS);
    }
  }

  private connectNow() {
    clearTimeout(this.timer);
    this.attempts = 0;
    void this.connect();
  }

  /** Drops the attempt or connection this object holds, without its close event doing anything. */
  private abandon() {
    const ws = this.ws;
    if (!ws) return;
    this.ws = null; // its late close event and frames are ignored
    clearInterval(this.pinger);
    ws.close();
  }

  private async connect(): Promise<void> {
    if (this.closedByUs) return;
    // A sign-out is revoking this session: a new connection would present a dead token.
    if (isSigningOut()) return this.close();
    const generation = ++this.generation;
    this.abandon();
    this.setStatus('connecting');
    clearTimeout(this.watchdog);
    this.watchdog = setTimeout(() => {
      if (generation !== this.generation || this.closedByUs || this.status() !== 'connecting') return;
      this.generation++; // the stuck attempt, should it finish after all, does nothing more
      this.abandon();
      this.retry(undefined, 'attempt timed out');
    }, ATTEMPT_TIMEOUT_MS);
    const token = await freshAccessToken().catch(() => null);
    if (this.closedByUs || generation !== this.generation) return;
    if (isSigningOut()) return this.close();
    if (!token) return this.retry(undefined, 'no access token');
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    let opened = false;
    // chatalot.v2 first: a channel socket may then receive queued envelopes as one frame (hubs answer v1).
    const ws = new WebSocket(`${scheme}//${location.host}${this.path}`, [SUBPROTOCOL_BATCHED, SUBPROTOCOL, `bearer.${token}`]);
    this.ws = ws;
    ws.onopen = () => {
      if (this.ws !== ws) return;
      opened = true;
      this.attempts = 0;
      clearTimeout(this.watchdog);
      this.setStatus('open');
      this.pinger = setInterval(() => this.send({ type: 'ping' }), PING_MS);
      this.handlers.open();
    };
    ws.onmessage = (e) => {
      if (this.ws !== ws || typeof e.data !== 'string') return;
      try {
        this.handlers.frame(JSON.parse(e.data));
      } catch (err) {
        console.warn('frame handler failed', err);
      }
    };
    ws.onclose = (e) => {
      clearInterval(this.pinger);
      if (this.ws !== ws) return;
      this.ws = null;
      if (this.closedByUs) return this.setStatus('stopped');
      if (STOP_CODES.has(e.code)) {
        this.setStatus('stopped', `code ${e.code}`);
        this.handlers.stopped?.(e.code);
        return;
      }
      this.setStatus('closed', `code ${e.code}${opened ? '' : ', never opened'}`);
      if (e.code === 4001 || !opened) {
        // Expired token (or a refused upgrade, which the browser reports without a code): refresh first.
        void refreshSession().finally(() => generation === this.generation && this.retry(e.code === 4001 ? 0 : undefined));
        return;
      }
      this.retry();
    };
  }

  private retry(delay?: number, why = '') {
    if (this.closedByUs) return;
    clearTimeout(this.watchdog);
    this.setStatus('closed', why);
    clearTimeout(this.timer);
    if (!navigator.onLine) {
      // The `online` event reconnects; this slow look is a safety net should that event be missed
      // (a CI run kept the offline banner 30 s after the browser was back online).
      this.timer = setTimeout(() => (navigator.onLine ? this.connectNow() : this.retry()), OFFLINE_RECHECK_MS);
      return;
    }
    const wait = delay ?? Math.min(BACKOFF_MAX_MS, BACKOFF_START_MS * 2 ** this.attempts) * (0.75 + Math.random() * 0.5);
    this.attempts++;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.connect(), wait);
  }

  /** Sends a frame when open; false when it could not (the caller keeps it for later). */
  send(frame: unknown): boolean {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  /** Drops the connection and reconnects at once (tests and "retry now"). */
  reconnect(): void {
    this.ws?.close();
  }

  close(): void {
    live.delete(this);
    this.closedByUs = true;
    clearTimeout(this.timer);
    clearTimeout(this.watchdog);
    clearInterval(this.pinger);
    removeEventListener('online', this.onOnline);
    removeEventListener('offline', this.onOffline);
    this.ws?.close(1000);
    this.ws = null;
    this.setStatus('stopped');
  }
}

/**
 * ReconnectingSocket against a stand-in WebSocket and the browser's online/offline events, on
 * fake timers: an attempt that never opens is dropped and tried again, and coming back online
 * connects at once. (The browser suite covers it against the real server: session-resume.)
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('../api/http', () => ({
  freshAccessToken: async () => 'token',
  isSigningOut: () => false,
  refreshSession: async () => null,
}));

/** A WebSocket that does nothing until the test opens or closes it. */
class StandInSocket {
  static made: StandInSocket[] = [];
  static readonly OPEN = 1;
  readyState = 0;
  onopen: (() => void) | null = null;
  onclose: ((e: { code: number }) => void) | null = null;
  onmessage: ((e: { data: unknown }) => void) | null = null;
  constructor(readonly url: string) {
    StandInSocket.made.push(this);
  }
  open() {
    this.readyState = 1;
    this.onopen?.();
  }
  send() {}
  close() {
    this.readyState = 3;
  }
}

const events = new EventTarget();
/** The n-th WebSocket the socket made (0 = the first). */
const made = (n: number): StandInSocket => {
  const ws = StandInSocket.made[n];
  if (!ws) throw new Error(`no WebSocket #${n} was made`);
  return ws;
};

beforeEach(() => {
  vi.useFakeTimers();
  StandInSocket.made = [];
  vi.stubGlobal('WebSocket', StandInSocket);
  vi.stubGlobal('location', { protocol: 'http:', host: 'chat.test' });
  vi.stubGlobal('navigator', { onLine: true });
  vi.stubGlobal('addEventListener', events.addEventListener.bind(events));
  vi.stubGlobal('removeEventListener', events.removeEventListener.bind(events));
  vi.spyOn(console, 'debug').mockImplementation(() => undefined);
});

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

const { ReconnectingSocket } = await import('./ReconnectingSocket');

describe('ReconnectingSocket', () => {
  it('drops an attempt that neither opens nor fails, and tries again', async () => {
    const socket = new ReconnectingSocket('/ws/hub', { open() {}, frame() {} });
    await vi.advanceTimersByTimeAsync(0);
    expect(StandInSocket.made).toHaveLength(1);
    expect(socket.status()).toBe('connecting');
    await vi.advanceTimersByTimeAsync(9_000);
    expect(StandInSocket.made).toHaveLength(1);
    // Past the attempt timeout: dropped, told as down, and a new attempt after the backoff.
    await vi.advanceTimersByTimeAsync(1_100);
    expect(socket.down()).toBe(true);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(StandInSocket.made).toHaveLength(2);
    made(1).open();
    expect(socket.status()).toBe('open');
    expect(socket.down()).toBe(false);
    // The dropped attempt opening late changes nothing.
    made(0).open();
    expect(StandInSocket.made).toHaveLength(2);
    // An open socket is not timed out.
    await vi.advanceTimersByTimeAsync(60_000);
    expect(socket.status()).toBe('open');
    socket.close();
  });

  it('offline drops the connection at once; online connects again without waiting', async () => {
    const socket = new ReconnectingSocket('/ws/hub', { open() {}, frame() {} });
    await vi.advanceTimersByTimeAsync(0);
    made(0).open();
    (navigator as { onLine: boolean }).onLine = false;
    events.dispatchEvent(new Event('offline'));
    expect(socket.status()).toBe('closed');
    expect(socket.down()).toBe(true);
    // While offline nothing is tried, however long it lasts.
    await vi.advanceTimersByTimeAsync(60_000);
    expect(StandInSocket.made).toHaveLength(1);
    (navigator as { onLine: boolean }).onLine = true;
    events.dispatchEvent(new Event('online'));
    await vi.advanceTimersByTimeAsync(0);
    expect(StandInSocket.made).toHaveLength(2);
    made(1).open();
    expect(socket.down()).toBe(false);
    socket.close();
  });
});

/**
 * Filling a channel with many envelopes and reading pages of its history back, over a real
 * channel socket: the large fixtures of the store-migration and upgrade tests (issue #19).
 */
import type { EnvelopeOut } from '../../protocol/frames';
import { FRANKING } from './franking';
import type { TestSocket } from './socket';

/** Sends `count` envelopes (`ciphertextOf(i)`) in windows of 500, each window waiting for its last ack. */
export async function fill(socket: TestSocket, count: number, ciphertextOf: (i: number) => string, idPrefix = 'fixture'): Promise<void> {
  const WINDOW = 500;
  const id = (i: number) => `${idPrefix}-${String(i).padStart(6, '0')}`;
  for (let start = 0; start < count; start += WINDOW) {
    const end = Math.min(count, start + WINDOW);
    for (let i = start; i < end; i++) socket.send({ type: 'send', franking: FRANKING, clientMsgId: id(i), ciphertext: ciphertextOf(i) });
    await socket.next((f) => f.type === 'ack' && (f as { clientMsgId: string }).clientMsgId === id(end - 1), 60_000);
  }
}

/** One page of the channel's history after `after` (the n-th history frame answers the n-th request). */
export async function historyPage(socket: TestSocket, after: number, limit: number): Promise<{ envelopes: EnvelopeOut[]; head: number }> {
  const n = socket.frames.filter((f) => f.type === 'history').length;
  socket.send({ type: 'history', after, limit });
  return socket.next((f) => f.type === 'history' && socket.frames.filter((g) => g.type === 'history').indexOf(f) === n, 30_000);
}

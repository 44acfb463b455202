/**
 * R7 (SECURITY-TESTS): a reader that never reports progress is cut off at a bound instead of
 * buffering without limit, the other readers keep their latency, and the stalled reader catches
 * up exactly by seq when it returns. A `hello` replay is paced by the same bound.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCommunity, openChannel, registerUser, type TestUser } from '../helpers/accounts';
import { startServer, type RunningServer } from '../helpers/server';
import type { TestSocket } from '../helpers/socket';
import { CLOSE_TOO_FAR_BEHIND, MAX_UNSEEN_ENVELOPES } from '../../durable-objects/ChannelRoom';
import { FRANKING } from '../helpers/franking';
import { ON_THE_ROOM, SHARDED } from '../helpers/fanout';

let server: RunningServer;
let owner: TestUser;

type Seqd = { type: string; seq: number; clientMsgId: string };
const envelopeSeqs = (s: TestSocket) => s.frames.filter((f) => f.type === 'envelope').map((f) => (f as Seqd).seq);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** Sends `count` messages in windows of 250 acknowledged sends. */
async function flood(sender: TestSocket, tag: string, count: number): Promise<void> {
  for (let i = 0; i < count; i += 250) {
    const n = Math.min(250, count - i);
    for (let k = 0; k < n; k++) sender.send({ type: 'send', franking: FRANKING, clientMsgId: `${tag}-${i + k}-xxxxxx`, ciphertext: 'AAAA' });
    await sender.next((f) => f.type === 'ack' && (f as Seqd).clientMsgId === `${tag}-${i + n - 1}-xxxxxx`, 30_000);
  }
}

/** Send→receive latency of one message as `reader` sees it (ms). */
async function probe(sender: TestSocket, reader: TestSocket, id: string): Promise<number> {
  const t0 = performance.now();
  sender.send({ type: 'send', franking: FRANKING, clientMsgId: id, ciphertext: 'AAAA' });
  await reader.next((f) => f.type === 'envelope' && (f as Seqd).clientMsgId === id, 10_000);
  return performance.now() - t0;
}

// With fan-out on the room, and with every socket on a relay shard of its own (issue #18 item 5):
// there the stalled reader and the healthy one are on different shards, so this is also "a slow
// reader in one shard does not delay another shard".
describe.each([ON_THE_ROOM, SHARDED])('slow readers (R7), fan-out $name', (mode) => {
  beforeAll(async () => {
    server = await startServer({ env: { REGISTRATION_MODE: 'open', ...(await mode.env()) } });
    owner = await registerUser(server, 'slow_owner');
  });
  afterAll(async () => server?.kill());

  it(`R7: a reader that never reports progress is closed with ${CLOSE_TOO_FAR_BEHIND} after ${MAX_UNSEEN_ENVELOPES} envelopes; another keeps its latency; hello catches up exactly`, async () => {
    const { channelId } = await createCommunity(server, owner, 'slow');
    const sender = await openChannel(server, owner, channelId);
    const healthy = await openChannel(server, owner, channelId);
    const stalled = await openChannel(server, owner, channelId);
    stalled.autoSeen = false;

    const before: number[] = [];
    for (let i = 0; i < 20; i++) before.push(await probe(sender, healthy, `before-${i}-xxxxxx`));
    await flood(sender, 'flood', MAX_UNSEEN_ENVELOPES + 200);
    await stalled.waitClosing(10_000);
    // The close frame arrives at once; the TCP connection can take workerd ~10 s to end.
    const closed = await stalled.waitClosed(30_000);
    expect(closed.code).toBe(CLOSE_TOO_FAR_BEHIND);
    expect(closed.reason).toMatch(/too far behind/);
    // It was sent exactly the bound, in order, and nothing after it.
    expect(envelopeSeqs(stalled)).toEqual(range(1, MAX_UNSEEN_ENVELOPES));

    const after: number[] = [];
    for (let i = 0; i < 20; i++) after.push(await probe(sender, healthy, `after-${i}-xxxxxx`));
    const head = 20 + MAX_UNSEEN_ENVELOPES + 200 + 20;
    await healthy.next((f) => f.type === 'envelope' && (f as Seqd).seq === head);
    expect(envelopeSeqs(healthy)).toEqual(range(1, head));
    expect(healthy.closed).toBeUndefined();
    // The healthy reader's latency stays that of an idle room (generous bound for a shared CI core).
    expect(Math.max(...after)).toBeLessThan(Math.max(250, 5 * Math.max(...before)));

    // Back with the last seq it saw: exactly what it missed, in order, then ready.
    const back = await openChannel(server, owner, channelId);
    back.send({ type: 'hello', lastSeq: MAX_UNSEEN_ENVELOPES });
    const ready = await back.next<{ head: number }>((f) => f.type === 'ready');
    expect(ready.head).toBe(head);
    expect(envelopeSeqs(back)).toEqual(range(MAX_UNSEEN_ENVELOPES + 1, head));
    for (const s of [sender, healthy, back]) s.close();
  }, 120_000);

  it('R7: a hello replay pauses at the bound until the reader reports progress, with live traffic joining it in order', async () => {
    const { channelId } = await createCommunity(server, owner, 'slow-replay');
    const sender = await openChannel(server, owner, channelId);
    const total = MAX_UNSEEN_ENVELOPES + 300;
    await flood(sender, 'old', total);

    const reader = await openChannel(server, owner, channelId);
    reader.autoSeen = false;
    reader.send({ type: 'hello', lastSeq: 0 });
    await reader.next((f) => f.type === 'envelope' && (f as Seqd).seq === MAX_UNSEEN_ENVELOPES);
    // Live traffic meanwhile neither overtakes the replay nor closes the paused reader.
    await flood(sender, 'live', 10);
    await new Promise((r) => setTimeout(r, 300));
    expect(envelopeSeqs(reader)).toEqual(range(1, MAX_UNSEEN_ENVELOPES));
    expect(reader.frames.some((f) => f.type === 'ready')).toBe(false);
    expect(reader.closed).toBeUndefined();

    reader.send({ type: 'seen', seq: MAX_UNSEEN_ENVELOPES });
    const ready = await reader.next<{ head: number }>((f) => f.type === 'ready');
    expect(ready.head).toBe(total + 10);
    expect(envelopeSeqs(reader)).toEqual(range(1, total + 10));
    // Live again after ready, still in order.
    reader.send({ type: 'seen', seq: total + 10 });
    await flood(sender, 'after', 1);
    await reader.next((f) => f.type === 'envelope' && (f as Seqd).seq === total + 11);
    reader.close();
    sender.close();
  }, 120_000);

  it('R7: history pages count against the bound until a seen frame clears them', async () => {
    const { channelId } = await createCommunity(server, owner, 'slow-history');
    const sender = await openChannel(server, owner, channelId);
    await flood(sender, 'h', 500);
    const pager = await openChannel(server, owner, channelId);
    pager.autoSeen = false;
    for (let i = 0; i < MAX_UNSEEN_ENVELOPES / 500; i++) {
      pager.send({ type: 'history', after: 0, limit: 500 });
      await pager.next((f) => f.type === 'history' && pager.frames.filter((g) => g.type === 'history').length === i + 1);
    }
    pager.send({ type: 'seen', seq: 0 });
    pager.send({ type: 'history', after: 0, limit: 500 });
    await pager.next((f) => f.type === 'history' && pager.frames.filter((g) => g.type === 'history').length === MAX_UNSEEN_ENVELOPES / 500 + 1);
    pager.send({ type: 'history', after: 0, limit: 500 });
    pager.send({ type: 'history', after: 0, limit: 500 });
    // Without another seen the pager is now over the bound… (10 pages after the last seen)
    for (let i = 0; i < MAX_UNSEEN_ENVELOPES / 500; i++) pager.send({ type: 'history', after: 0, limit: 500 });
    expect((await pager.waitClosed(10_000)).code).toBe(CLOSE_TOO_FAR_BEHIND);
    sender.close();
  }, 60_000);
});

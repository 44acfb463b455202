/**
 * Coalescing (issue #18 item 1) under the real workerd: a chatalot.v2 socket receives the
 * envelopes that queued up for it as one `envelopes` frame, a v1 socket the same envelopes one
 * frame each, and a single message under light load is one plain `envelope` frame. Order, acks
 * and catch-up are what they were (R3, R7).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createCommunity, openChannel, registerUser, type TestUser } from '../helpers/accounts';
import { startServer, type RunningServer } from '../helpers/server';
import type { TestSocket } from '../helpers/socket';
import { FRANKING } from '../helpers/franking';
import { ON_THE_ROOM, SHARDED } from '../helpers/fanout';
import { addDevice } from '../hub/helpers';

let server: RunningServer;
let owner: TestUser;

type Envelope = { type: 'envelope'; seq: number; clientMsgId: string };
const seqsOf = (s: TestSocket) => s.frames.filter((f) => f.type === 'envelope').map((f) => (f as Envelope).seq);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** The raw frames a socket receives, unparsed, for checking what travelled on the wire. */
function rawFrames(url: string, protocols: string[]): Promise<{ ws: WebSocket; texts: string[]; protocol: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols);
    const texts: string[] = [];
    ws.on('message', (d) => texts.push(String(d)));
    ws.once('open', () => resolve({ ws, texts, protocol: ws.protocol }));
    ws.once('error', reject);
  });
}

// With fan-out on the room and with every socket on a relay shard of its own (issue #18 item 5):
// a shard batches what it receives for each of its sockets as the room does.
describe.each([ON_THE_ROOM, SHARDED])('coalescing envelopes (issue #18), fan-out $name', (mode) => {
  beforeAll(async () => {
    server = await startServer({ env: { REGISTRATION_MODE: 'open', SEND_RATE_PER_SECOND: '100000', ...(await mode.env()) } });
    owner = await registerUser(server, 'coalescer');
  });
  afterAll(async () => server?.kill());

  it('the server answers chatalot.v2 to a client that offers it, and v1 to one that does not', async () => {
    const { channelId } = await createCommunity(server, owner, 'Protocols');
    const url = `${server.wsUrl}/ws/channels/${channelId}`;
    const v2 = await rawFrames(url, ['chatalot.v2', 'chatalot.v1', `bearer.${owner.accessToken}`]);
    const v1 = await rawFrames(url, ['chatalot.v1', `bearer.${owner.accessToken}`]);
    expect(v2.protocol).toBe('chatalot.v2');
    expect(v1.protocol).toBe('chatalot.v1');
    // The hub has no envelopes: offered both, it answers v1.
    const hub = await rawFrames(`${server.wsUrl}/ws/hub?device=${await addDevice(server, owner)}`, ['chatalot.v2', 'chatalot.v1', `bearer.${owner.accessToken}`]);
    expect(hub.protocol).toBe('chatalot.v1');
    hub.ws.close();
    v1.ws.close();
    v2.ws.close();
  });

  it('a burst reaches a v2 reader in batches and a v1 reader one by one, both complete and in order; a lone message is a plain envelope frame', async () => {
    const { channelId } = await createCommunity(server, owner, 'Burst');
    const url = `${server.wsUrl}/ws/channels/${channelId}`;
    const senders = await Promise.all(Array.from({ length: 10 }, () => openChannel(server, owner, channelId)));
    const v2 = await rawFrames(url, ['chatalot.v2', 'chatalot.v1', `bearer.${owner.accessToken}`]);
    const v1 = await rawFrames(url, ['chatalot.v1', `bearer.${owner.accessToken}`]);
    // 10 senders × 100 messages, all written at once: envelopes queue up in the room.
    for (let i = 0; i < 100; i++) senders.forEach((s, k) => s.send({ type: 'send', franking: FRANKING, clientMsgId: `b${k}-m${i}-xxxxxx`, ciphertext: 'AAAA' }));
    await Promise.all(senders.map((s, k) => s.next((f) => f.type === 'ack' && (f as { clientMsgId: string }).clientMsgId === `b${k}-m99-xxxxxx`, 30_000)));
    const count = (texts: string[]) => texts.reduce((n, t) => n + (JSON.parse(t).type === 'envelopes' ? JSON.parse(t).envelopes.length : JSON.parse(t).type === 'envelope' ? 1 : 0), 0);
    const deadline = Date.now() + 30_000;
    while ((count(v2.texts) < 1000 || count(v1.texts) < 1000) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));

    const unpack = (texts: string[]) => texts.map((t) => JSON.parse(t) as { type: string; envelopes?: Envelope[]; seq?: number }).flatMap((f) => (f.type === 'envelopes' ? f.envelopes! : f.type === 'envelope' ? [f as Envelope] : []));
    expect(unpack(v2.texts).map((e) => e.seq)).toEqual(range(1, 1000));
    expect(unpack(v1.texts).map((e) => e.seq)).toEqual(range(1, 1000));
    const v2Frames = v2.texts.map((t) => JSON.parse(t) as { type: string; envelopes?: unknown[] });
    // The v1 reader never sees the new frame; the v2 reader got fewer frames than envelopes.
    expect(v1.texts.some((t) => JSON.parse(t).type === 'envelopes')).toBe(false);
    const batches = v2Frames.filter((f) => f.type === 'envelopes');
    expect(batches.length).toBeGreaterThan(0);
    expect(v2Frames.filter((f) => f.type === 'envelope' || f.type === 'envelopes').length).toBeLessThan(1000);
    console.log(`1,000 envelopes reached the v2 reader in ${v2Frames.length} frames (largest batch ${Math.max(...batches.map((b) => b.envelopes!.length))}), the v1 reader in ${v1.texts.length}`);
    // Each sender's stream: acks for its own, envelopes for the others', every seq once, in order.
    for (const s of senders) {
      const stream = s.frames.filter((f) => f.type === 'envelope' || f.type === 'ack').map((f) => (f as { seq: number }).seq);
      expect(stream).toEqual(range(1, 1000));
    }

    // Light load: one message alone is one plain envelope frame.
    const before = v2.texts.length;
    senders[0]!.send({ type: 'send', franking: FRANKING, clientMsgId: 'lone-message-xx', ciphertext: 'QUJD' });
    while (v2.texts.length === before && Date.now() < deadline + 10_000) await new Promise((r) => setTimeout(r, 10));
    expect(JSON.parse(v2.texts.at(-1)!)).toMatchObject({ type: 'envelope', seq: 1001, clientMsgId: 'lone-message-xx' });
    for (const s of senders) s.close();
    v1.ws.close();
    v2.ws.close();
  });

  it('a reply to the sender before the room sends its queue (its ack, a pong) never keeps the envelope from the others', async () => {
    const { channelId } = await createCommunity(server, owner, 'Replies');
    const [sender, reader, old] = await Promise.all([openChannel(server, owner, channelId), openChannel(server, owner, channelId), openChannel(server, owner, channelId, { v1: true })]);
    for (let i = 0; i < 20; i++) {
      sender.send({ type: 'send', franking: FRANKING, clientMsgId: `reply-${i}-xxxxx`, ciphertext: 'QUJD' });
      sender.send({ type: 'ping' });
    }
    await Promise.all([reader, old].map((s) => s.next((f) => f.type === 'envelope' && (f as Envelope).seq === 20, 10_000)));
    expect(seqsOf(reader)).toEqual(range(1, 20));
    expect(seqsOf(old)).toEqual(range(1, 20));
    for (const s of [sender, reader, old]) s.close();
  });

  it('R3: a v2 reader catching up gets the replay in batches, exactly seq+1..head, then ready', async () => {
    const { channelId } = await createCommunity(server, owner, 'Replay');
    const writer = await openChannel(server, owner, channelId);
    for (let i = 1; i <= 250; i++) writer.send({ type: 'send', franking: FRANKING, clientMsgId: `replay-${i}-xxxx`, ciphertext: 'QUJD' });
    await writer.next((f) => f.type === 'ack' && (f as { seq: number }).seq === 250, 30_000);
    for (const cut of [0, 1, 120, 249, 250]) {
      const reader = await openChannel(server, owner, channelId);
      reader.send({ type: 'hello', lastSeq: cut });
      await reader.next((f) => f.type === 'ready', 20_000);
      expect(seqsOf(reader)).toEqual(range(cut + 1, 250));
      // Frames, not envelopes: a replay of more than one envelope goes out in batches.
      if (250 - cut > 1) expect(reader.batches.length).toBeGreaterThan(0);
      expect(reader.batches.every((n) => n > 1)).toBe(true);
      reader.close();
    }
    const old = await openChannel(server, owner, channelId, { v1: true });
    old.send({ type: 'hello', lastSeq: 0 });
    await old.next((f) => f.type === 'ready', 20_000);
    expect(seqsOf(old)).toEqual(range(1, 250));
    expect(old.batches).toEqual([]);
    old.close();
    writer.close();
  });
});

/**
 * SECURITY-TESTS D2 and D3 (hardening #11.2): a socket that claimed a `lastSeq` far above the head
 * and never reported progress was never closed, the bound counted envelopes and not bytes (5,000
 * of up to ~87 KB each), and one account held 317 sockets. Now a claimed lastSeq is clamped to
 * the head, unseen bytes are bounded per socket (MAX_UNSEEN_BYTES), and open sockets are capped
 * per account and per IP.
 */
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLOSE_TOO_FAR_BEHIND, MAX_UNSEEN_BYTES } from '../../durable-objects/ChannelRoom';
import { connectRaw } from '../../bench/lib/rawSocket.mjs';
import { createCommunity, joinCommunity, openChannel, registerUser, type TestUser } from '../helpers/accounts';
import { startServer, type RunningServer } from '../helpers/server';
import type { TestSocket } from '../helpers/socket';
import { rssBytes, workerdPid } from './process';
import { FRANKING } from '../helpers/franking';

type Seqd = { type: string; seq: number; clientMsgId: string };
/** About 60 KB of base64: a large but legal envelope. */
const big = () => randomBytes(45_000).toString('base64');

/** Sends `count` large envelopes, waiting for each window of acks. */
async function sendBig(sender: TestSocket, tag: string, count: number): Promise<void> {
  for (let i = 0; i < count; i += 20) {
    const n = Math.min(20, count - i);
    for (let k = 0; k < n; k++) sender.send({ type: 'send', franking: FRANKING, clientMsgId: `${tag}-${i + k}-xxxxxx`, ciphertext: big() });
    await sender.next((f) => f.type === 'ack' && (f as Seqd).clientMsgId === `${tag}-${i + n - 1}-xxxxxx`, 30_000);
  }
}

describe('D2 stalled readers are bounded in bytes', () => {
  let server: RunningServer;
  let owner: TestUser;
  beforeAll(async () => {
    server = await startServer({ env: { REGISTRATION_MODE: 'open' } });
    owner = await registerUser(server, `stall${Date.now() % 100000}`);
  });
  afterAll(() => server?.kill());

  const envelopesFor = Math.ceil((MAX_UNSEEN_BYTES * 1.5) / 60_000);

  it(`D2 a reader that never reports progress is closed with ${CLOSE_TOO_FAR_BEHIND} once ${MAX_UNSEEN_BYTES} bytes are unseen, long before the envelope bound`, async () => {
    const { channelId } = await createCommunity(server, owner, 'bytes');
    const sender = await openChannel(server, owner, channelId);
    const healthy = await openChannel(server, owner, channelId);
    const stalled = await openChannel(server, owner, channelId);
    stalled.autoSeen = false;
    await sendBig(sender, 'big', envelopesFor);
    const closed = await stalled.waitClosed(30_000);
    expect(closed.code).toBe(CLOSE_TOO_FAR_BEHIND);
    const got = stalled.frames.filter((f) => f.type === 'envelope').length;
    expect(got).toBeLessThan(envelopesFor);
    expect(got * 60_000).toBeLessThanOrEqual(MAX_UNSEEN_BYTES + 100_000);
    await healthy.next((f) => f.type === 'envelope' && (f as Seqd).seq === envelopesFor, 30_000);
    for (const s of [sender, healthy]) s.close();
  });

  it('D2 hello with a lastSeq far above the head is clamped: the socket gets ready at the head and is still closed when it stops reading', async () => {
    const { channelId } = await createCommunity(server, owner, 'clamp');
    const sender = await openChannel(server, owner, channelId);
    sender.send({ type: 'send', franking: FRANKING, clientMsgId: 'before-hello-1', ciphertext: 'QUFB' });
    await sender.next((f) => f.type === 'ack');
    const liar = await openChannel(server, owner, channelId);
    liar.autoSeen = false;
    liar.send({ type: 'hello', lastSeq: 1_000_000_000 });
    expect(await liar.next((f) => f.type === 'ready')).toEqual({ type: 'ready', head: 1, epoch: expect.any(Number) });
    await sendBig(sender, 'after', envelopesFor);
    const closed = await liar.waitClosed(30_000);
    expect(closed.code).toBe(CLOSE_TOO_FAR_BEHIND);
    sender.close();
  });

  it('D2 ten sockets that never read a byte (TCP) hold workerd memory to a bound: growth < 10 × MAX_UNSEEN_BYTES + 48 MiB while 18 MB goes to each', async () => {
    const { channelId } = await createCommunity(server, owner, 'tcp-stall');
    const pid = workerdPid(server);
    const before = rssBytes(pid);
    const url = `${server.wsUrl}/ws/channels/${channelId}`;
    const stalled = await Promise.all(Array.from({ length: 10 }, () => connectRaw(url, { onPayload: () => undefined, protocols: ['chatalot.v1', `bearer.${owner.accessToken}`] })));
    // Stop reading at the TCP level: the kernel buffers fill and workerd must hold the rest.
    for (const s of stalled) s.socket.pause();
    const sender = await openChannel(server, owner, channelId);
    await sendBig(sender, 'tcp', 300);
    let peak = rssBytes(pid);
    for (let i = 0; i < 20; i++) (peak = Math.max(peak, rssBytes(pid))), await new Promise((r) => setTimeout(r, 50));
    const grew = peak - before;
    console.log(`D2 ten TCP-stalled sockets, 300 × 60 KB sent: workerd RSS ${(before / 2 ** 20).toFixed(0)} → ${(peak / 2 ** 20).toFixed(0)} MiB`);
    expect(grew).toBeLessThan(10 * MAX_UNSEEN_BYTES + 48 * 2 ** 20);
    for (const s of stalled) s.terminate();
    sender.close();
  });
});

describe('D3 open sockets are capped per account and per IP', () => {
  let server: RunningServer;
  let a: TestUser;
  let b: TestUser;
  let channelId: string;
  beforeAll(async () => {
    server = await startServer({ env: { REGISTRATION_MODE: 'open', MAX_SOCKETS_PER_ACCOUNT: '3', MAX_SOCKETS_PER_IP: '5' } });
    const tag = Date.now() % 100000;
    a = await registerUser(server, `capa${tag}`);
    b = await registerUser(server, `capb${tag}`);
    const c = await createCommunity(server, a, 'caps');
    channelId = c.channelId;
    await joinCommunity(server, a, c.communityId, [b]);
  });
  afterAll(() => server?.kill());

  /** The upgrade's status and error body for one more socket. */
  function attempt(user: TestUser): Promise<{ status: number; body: string; ws?: WebSocket }> {
    return new Promise((resolve) => {
      const ws = new WebSocket(`${server.wsUrl}/ws/channels/${channelId}`, ['chatalot.v1', `bearer.${user.accessToken}`]);
      ws.once('open', () => resolve({ status: 101, body: '', ws }));
      ws.once('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      ws.once('error', () => undefined);
    });
  }

  it('D3 the fourth socket of one account gets 429 too_many_sockets; closing one frees its place; the IP cap stops a second account at five in all', async () => {
    const held = [await attempt(a), await attempt(a), await attempt(a)];
    for (const h of held) expect(h.status).toBe(101);
    const fourth = await attempt(a);
    expect(fourth.status).toBe(429);
    expect(JSON.parse(fourth.body).error.code).toBe('too_many_sockets');

    held.pop()!.ws!.close();
    let again = await attempt(a);
    for (let i = 0; again.status !== 101 && i < 100; i++) {
      await new Promise((r) => setTimeout(r, 100));
      again = await attempt(a);
    }
    expect(again.status).toBe(101);

    const b1 = await attempt(b);
    const b2 = await attempt(b);
    expect([b1.status, b2.status]).toEqual([101, 101]);
    const b3 = await attempt(b);
    expect(b3.status).toBe(429);
    expect(JSON.parse(b3.body).error.message).toMatch(/address/);
    for (const s of [...held, again, b1, b2]) s.ws?.close();
  });
});

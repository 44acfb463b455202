/**
 * SECURITY-TESTS R4: when the channel's storage write fails, the sender gets an error frame and
 * no ack, nobody receives the envelope, no sequence number is used up, and a retry with the same
 * clientMsgId is accepted exactly once. The failure is injected by the server's test-only fault
 * hook (durable-objects/faults.ts): the first commit of a clientMsgId starting with `fault-`
 * throws, as a full disk would, inside the real workerd and its SQLite storage.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCommunity, openChannel, registerUser, type TestUser } from '../helpers/accounts';
import { startServer, type RunningServer } from '../helpers/server';
import type { TestSocket } from '../helpers/socket';
import { FRANKING } from '../helpers/franking';

let server: RunningServer;
let owner: TestUser;
beforeAll(async () => {
  server = await startServer({ env: { REGISTRATION_MODE: 'open', CHATALOT_TEST_FAULTS: 'log-commit:fault-' } });
  owner = await registerUser(server, 'fault_owner');
});
afterAll(async () => server?.kill());

type Answer = { type: string; seq?: number; duplicate?: boolean; error?: { code: string; message: string; ref?: string } };

/** Sends and resolves with the answer to this send (frames that arrived before it do not count). */
async function sendAndWait(s: TestSocket, clientMsgId: string): Promise<Answer> {
  const already = s.frames.length;
  s.send({ type: 'send', franking: FRANKING, clientMsgId, ciphertext: 'Y2lwaGVydGV4dA==' });
  return s.next<Answer>((f) => s.frames.indexOf(f) >= already && ((f.type === 'ack' && (f as { clientMsgId?: string }).clientMsgId === clientMsgId) || (f.type === 'error' && (f as Answer).error?.ref === clientMsgId)));
}

describe('storage write failure', () => {
  it('R4: a failed write is neither acknowledged nor relayed and takes no seq; the retry is stored once', async () => {
    const { channelId } = await createCommunity(server, owner, 'faults');
    const sender = await openChannel(server, owner, channelId);
    const reader = await openChannel(server, owner, channelId);

    expect((await sendAndWait(sender, 'before-0001')).seq).toBe(1);
    const failed = await sendAndWait(sender, 'fault-0001');
    expect(failed.type).toBe('error');
    expect(failed.error).toMatchObject({ code: 'storage_unavailable', ref: 'fault-0001' });

    // The room keeps working on the same socket, and the failed message used no seq.
    expect((await sendAndWait(sender, 'after-0001')).seq).toBe(2);
    const retried = await sendAndWait(sender, 'fault-0001');
    expect(retried).toMatchObject({ type: 'ack', seq: 3 });
    expect(retried.duplicate).toBeUndefined();
    const again = await sendAndWait(sender, 'fault-0001');
    expect(again).toMatchObject({ type: 'ack', seq: 3, duplicate: true });

    // The reader saw exactly the stored envelopes, in order, and nothing from the failed attempt.
    await reader.next((f) => f.type === 'envelope' && (f as { seq: number }).seq === 3);
    const live = reader.frames.filter((f) => f.type === 'envelope') as unknown as { seq: number; clientMsgId: string }[];
    expect(live.map((e) => [e.seq, e.clientMsgId])).toEqual([
      [1, 'before-0001'],
      [2, 'after-0001'],
      [3, 'fault-0001'],
    ]);

    // A fresh catch-up from the log agrees: no gap, no duplicate.
    const late = await openChannel(server, owner, channelId);
    late.send({ type: 'hello', lastSeq: 0 });
    await late.next((f) => f.type === 'ready');
    expect((late.frames.filter((f) => f.type === 'envelope') as unknown as { seq: number }[]).map((e) => e.seq)).toEqual([1, 2, 3]);
    for (const s of [sender, reader, late]) s.close();
  });

  it('R4: a failed tombstone write leaves the target message intact', async () => {
    const { channelId } = await createCommunity(server, owner, 'faults-delete');
    const s = await openChannel(server, owner, channelId);
    const original = await sendAndWait(s, 'message-0001');
    s.send({ type: 'send', clientMsgId: 'fault-delete', kind: 'delete', target: original.seq, ciphertext: 'ZGVs' });
    const failed = await s.next<Answer>((f) => f.type === 'error' && (f as Answer).error?.ref === 'fault-delete');
    expect(failed.error?.code).toBe('storage_unavailable');
    const reader = await openChannel(server, owner, channelId);
    reader.send({ type: 'hello', lastSeq: 0 });
    await reader.next((f) => f.type === 'ready');
    const log = reader.frames.filter((f) => f.type === 'envelope') as unknown as { seq: number; deleted?: boolean; ciphertext: string }[];
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({ seq: original.seq, ciphertext: 'Y2lwaGVydGV4dA==' });
    expect(log[0]!.deleted).toBeUndefined();
    s.close();
    reader.close();
  });
});

/**
 * Hardening #11.10: deleting a message left its edits' ciphertext served in history. Now a delete
 * erases the whole edit chain. (The erased bytes are also overwritten in place in the database;
 * workerd's Durable Object SQLite refuses secure_delete and wal_checkpoint and does not checkpoint
 * on shutdown, so older page images stay in the write-ahead log until SQLite recycles it: that is
 * documented in SECURITY.md rather than asserted here.)
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createCommunity, openChannel, registerUser } from '../helpers/accounts';
import { startServer } from '../helpers/server';
import { FRANKING } from '../helpers/franking';

type Envelope = { type: 'envelope'; seq: number; kind?: string; target?: number; ciphertext: string; deleted?: boolean };

describe('#11.10 a deleted message takes its edits with it', () => {
  it('V1 history after a delete holds tombstones for the message and both edits; other messages are untouched (overflow-sized ciphertexts)', async () => {
    const server = await startServer({ env: { REGISTRATION_MODE: 'open' } });
    // About 12 KB each: larger than a 4 KiB page, so the cells spill into overflow pages.
    const versions = Array.from({ length: 3 }, () => randomBytes(9000).toString('base64'));
    try {
      const owner = await registerUser(server, `deleter${Date.now() % 100000}`);
      const { channelId } = await createCommunity(server, owner);
      const s = await openChannel(server, owner, channelId);
      s.send({ type: 'send', franking: FRANKING, clientMsgId: 'original-1', ciphertext: versions[0] });
      s.send({ type: 'send', franking: FRANKING, clientMsgId: 'edit-1-xx', kind: 'edit', target: 1, ciphertext: versions[1] });
      s.send({ type: 'send', franking: FRANKING, clientMsgId: 'edit-2-xx', kind: 'edit', target: 1, ciphertext: versions[2] });
      s.send({ type: 'send', franking: FRANKING, clientMsgId: 'keep-me-1', ciphertext: 'S0VFUA==' });
      s.send({ type: 'send', clientMsgId: 'delete-1-x', kind: 'delete', target: 1, ciphertext: 'REVM' });
      await s.next((f) => f.type === 'ack' && (f as { seq: number }).seq === 5);
      s.send({ type: 'history', after: 0, limit: 10 });
      const history = await s.next<{ envelopes: Envelope[] }>((f) => f.type === 'history');
      const bySeq = new Map(history.envelopes.map((e) => [e.seq, e]));
      for (const seq of [1, 2, 3]) expect(bySeq.get(seq), `seq ${seq}`).toMatchObject({ ciphertext: '', deleted: true });
      expect(bySeq.get(4)).toMatchObject({ ciphertext: 'S0VFUA==' });
      expect(bySeq.get(4)!.deleted).toBeUndefined();
      // A reader catching up from the start gets none of the erased versions either.
      const late = await openChannel(server, owner, channelId);
      late.send({ type: 'hello', lastSeq: 0 });
      await late.next((f) => f.type === 'ready');
      const replayed = JSON.stringify(late.frames);
      for (const v of versions) expect(replayed.includes(v.slice(0, 64))).toBe(false);
      late.close();
      s.close();
    } finally {
      await server.stop();
    }
  });
});

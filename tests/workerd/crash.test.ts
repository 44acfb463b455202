/**
 * R1: the server is SIGKILLed at random points while a client streams messages with client ids.
 * After each restart the client reconnects, catches up, and resends whatever was not
 * acknowledged with the same client ids. At the end every message is stored exactly once, the
 * sequence is contiguous, and every acknowledgement the client saw matches what is stored.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { openChannel, userWithChannel, type TestUser } from '../helpers/accounts';
import { startServer, tempDataDir, type RunningServer } from '../helpers/server';
import type { TestSocket } from '../helpers/socket';
import { FRANKING } from '../helpers/franking';

/** Messages streamed (the catalogue's 10k); about half a minute on two cores. */
const MESSAGES = 10_000;
/** How many times the server is killed mid-stream. */
const KILLS = 4;

let server: RunningServer | undefined;
afterAll(async () => server?.kill());

describe('R1: SIGKILL at random points while messages stream', () => {
  it('every acknowledged message is stored exactly once and the sequence stays contiguous', async () => {
    const dataDir = tempDataDir();
    server = await startServer({ dataDir, env: { REGISTRATION_MODE: 'open' } });
    const setup = await userWithChannel(server, 'crash_user');
    let user: TestUser = setup.user;
    const { channelId } = setup;
    const acked = new Map<string, number>();
    // Kill points chosen at random among the messages (seeded by Math.random: any point must do).
    const killAt = new Set(Array.from({ length: KILLS }, () => 100 + Math.floor(Math.random() * (MESSAGES - 200))));
    let next = 0;

    async function stream(socket: TestSocket, until: number): Promise<void> {
      // Resend what was never acknowledged, then continue; ten in flight at a time.
      const pending = Array.from({ length: until }, (_, i) => `crash-msg-${String(i).padStart(5, '0')}`).filter((id) => !acked.has(id));
      for (let i = 0; i < pending.length; i += 10) {
        const batch = pending.slice(i, i + 10);
        for (const id of batch) socket.send({ type: 'send', franking: FRANKING, clientMsgId: id, ciphertext: Buffer.from(id).toString('base64') });
        for (const id of batch) {
          const ack = await socket.next<{ seq: number; clientMsgId: string }>((f) => f.type === 'ack' && (f as { clientMsgId: string }).clientMsgId === id, 20_000);
          const before = acked.get(id);
          if (before !== undefined) expect(ack.seq).toBe(before);
          acked.set(id, ack.seq);
        }
      }
    }

    while (next < MESSAGES) {
      const point = [...killAt].filter((k) => k > next).sort((a, b) => a - b)[0] ?? MESSAGES;
      const socket = await openChannel(server, user, channelId);
      // Send up to the kill point without waiting for the last acks, then kill mid-flight.
      if (point < MESSAGES) {
        await stream(socket, point - 5);
        // The same bytes a resend will carry, as a real client's outbox keeps them: a message that
        // reached the log before the kill is then acknowledged as a duplicate, not a conflict.
        for (let i = point - 5; i < point + 5; i++) {
          const id = `crash-msg-${String(i).padStart(5, '0')}`;
          socket.send({ type: 'send', franking: FRANKING, clientMsgId: id, ciphertext: Buffer.from(id).toString('base64') });
        }
        await server.kill();
        server = await startServer({ dataDir, env: { REGISTRATION_MODE: 'open' } });
        // The access token is still valid (same keys, same data): log in again anyway, as a client would after a crash.
        const res = await fetch(`${server.url}/api/auth/refresh`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ refreshToken: user.refreshToken }) });
        const body = (await res.json()) as { accessToken: string; refreshToken: string };
        user = { ...user, accessToken: body.accessToken, refreshToken: body.refreshToken };
      } else {
        await stream(socket, MESSAGES);
        socket.close();
      }
      next = point;
    }

    const reader = await openChannel(server, user, channelId);
    reader.send({ type: 'hello', lastSeq: 0 });
    const ready = await reader.next<{ head: number }>((f) => f.type === 'ready', 30_000);
    const envelopes = reader.frames.filter((f) => f.type === 'envelope') as unknown as { seq: number; clientMsgId: string }[];
    const ids = envelopes.map((e) => e.clientMsgId);
    // Contiguous, no duplicates, nothing lost.
    expect(envelopes.map((e) => e.seq)).toEqual(Array.from({ length: envelopes.length }, (_, i) => i + 1));
    expect(ready.head).toBe(envelopes.length);
    expect(new Set(ids).size).toBe(ids.length);
    for (let i = 0; i < MESSAGES; i++) expect(ids).toContain(`crash-msg-${String(i).padStart(5, '0')}`);
    expect(envelopes.length).toBe(MESSAGES);
    // Every ack the client saw names the seq the message really has.
    for (const e of envelopes) if (acked.has(e.clientMsgId)) expect(acked.get(e.clientMsgId)).toBe(e.seq);
    reader.close();
  }, 180_000);
});

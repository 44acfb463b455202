/**
 * The real thing: `npm start` on a free port with a temporary DATA_DIR, a message relayed over
 * a real WebSocket, the process killed and started again, and the same message read back with
 * the same sequence number (issue: foundation, item 10).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HealthResponse } from '../protocol/http';
import * as v from 'valibot';
import { startServer, tempDataDir, type RunningServer } from './helpers/server';
import { openChannel, userWithChannel } from './helpers/accounts';
import { FRANKING } from './helpers/franking';

const running: RunningServer[] = [];
afterAll(async () => {
  for (const s of running) await s.kill();
});

async function start(dataDir: string) {
  const s = await startServer({ dataDir, env: { REGISTRATION_MODE: 'open' } });
  running.push(s);
  return s;
}

describe('npm start, end to end', () => {
  it('R1: relays a message, survives SIGKILL and a restart, and replays it with the same seq (the account survives too)', async () => {
    const dataDir = tempDataDir();
    const first = await start(dataDir);

    const health = await (await fetch(`${first.url}/api/health`)).json();
    expect(v.parse(HealthResponse, health)).toMatchObject({ status: 'ok', storage: 'sqlite', version: '0.1.0' });

    const { user, channelId } = await userWithChannel(first, 'smoke_user');
    const alice = await openChannel(first, user, channelId);
    const bob = await openChannel(first, user, channelId);
    alice.send({ type: 'send', franking: FRANKING, clientMsgId: 'smoke-msg-0001', ciphertext: 'c21va2UtY2lwaGVydGV4dA==' });
    const ack = await alice.next<{ type: 'ack'; seq: number; ts: number }>((f) => f.type === 'ack');
    expect(ack.seq).toBe(1);
    const delivered = await bob.next<{ type: 'envelope'; seq: number; ciphertext: string }>((f) => f.type === 'envelope');
    expect(delivered).toMatchObject({ seq: 1, ciphertext: 'c21va2UtY2lwaGVydGV4dA==', clientMsgId: 'smoke-msg-0001' });

    const keysBefore = readFileSync(join(dataDir, 'keys/jwt-ed25519.pem'), 'utf8');
    await first.kill();
    expect(readdirSync(join(dataDir, 'do')).length).toBeGreaterThan(0);

    const second = await start(dataDir);
    expect(readFileSync(join(dataDir, 'keys/jwt-ed25519.pem'), 'utf8')).toBe(keysBefore);
    const carol = await openChannel(second, user, channelId);
    carol.send({ type: 'hello', lastSeq: 0 });
    const replayed = await carol.next<{ type: 'envelope'; seq: number; ciphertext: string; ts: number }>((f) => f.type === 'envelope');
    expect(replayed).toMatchObject({ seq: 1, ciphertext: 'c21va2UtY2lwaGVydGV4dA==', ts: ack.ts });
    expect(await carol.next((f) => f.type === 'ready')).toEqual({ type: 'ready', head: 1, epoch: expect.any(Number) });

    // R2: the same client message id after the restart returns the original ack, stores nothing.
    carol.send({ type: 'send', franking: FRANKING, clientMsgId: 'smoke-msg-0001', ciphertext: 'c21va2UtY2lwaGVydGV4dA==' });
    expect(await carol.next((f) => f.type === 'ack')).toMatchObject({ seq: 1, duplicate: true });
    carol.send({ type: 'send', franking: FRANKING, clientMsgId: 'smoke-msg-0002', ciphertext: 'bmV4dA==' });
    expect(await carol.next((f) => f.type === 'ack' && (f as { seq: number }).seq !== 1)).toMatchObject({ seq: 2 });
    carol.close();
  });

  it('stops cleanly on Ctrl-C and keeps every byte of data for the next start', async () => {
    const dataDir = tempDataDir();
    const s = await start(dataDir);
    const keys = ['jwt-ed25519.pem', 'jwt-ed25519.pub.pem', 'totp.key'].map((f) => readFileSync(join(dataDir, 'keys', f), 'utf8'));
    expect(s.output()).toMatch(/generated JWT signing key pair/);
    // npm itself dies of the SIGINT a terminal sends to the whole group; our launcher must say it
    // stopped workerd, and no workerd may be left holding the data directory.
    const exit = await s.stop();
    expect(exit.code === 0 || exit.signal === 'SIGINT').toBe(true);
    expect(s.output()).toMatch(/chatalot: stopped/);
    const again = await start(dataDir);
    expect(again.output()).not.toMatch(/generated/);
    expect(['jwt-ed25519.pem', 'jwt-ed25519.pub.pem', 'totp.key'].map((f) => readFileSync(join(dataDir, 'keys', f), 'utf8'))).toEqual(keys);
    await again.stop();
    expect(again.output()).toMatch(/chatalot: stopped/);
  });
});

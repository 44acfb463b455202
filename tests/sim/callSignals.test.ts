/**
 * SECURITY-TESTS C1 (the replay half; the browser test tests/e2e/calls.test.ts rewrites signals
 * in transit): a call signal is sealed in the pairwise session of the two devices, with the web
 * client's own Engine, so a server or proxy that sends one again, alters it, or hands it to
 * another device gets a refusal, never a second offer the client would act on.
 */
import { expect, it } from 'vitest';
import { twoInACommunity, worldSuite } from './world';

worldSuite();

/** The refusal's code, or 'opened'. */
async function outcome(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'opened';
  } catch (e) {
    return (e as { code?: string }).code ?? String(e);
  }
}

it('C1: a call signal opens once; the same ciphertext again, an altered one, or one opened by another device is refused', async () => {
  const { alice, bob, a0, b0, channelId } = await twoInACommunity('c1', 'Calls');
  const from = { userId: alice.id, deviceId: a0.deviceId };
  const payload = new TextEncoder().encode(JSON.stringify({ description: { type: 'offer', sdp: 'v=0' } }));
  const sealed = await a0.engine.sealCallSignal({ userId: bob.id, deviceId: b0.deviceId }, { channelId, callId: 1, payload });

  const opened = await b0.engine.openCallSignal(from, sealed);
  expect(opened).toEqual({ channelId, callId: 1, payload });
  // Replayed: its message key is spent.
  expect(await outcome(b0.engine.openCallSignal(from, sealed))).toBe('duplicate-message');

  // A later signal, altered in one byte, is refused; the genuine one still opens after that.
  const next = await a0.engine.sealCallSignal({ userId: bob.id, deviceId: b0.deviceId }, { channelId, callId: 1, payload });
  const bytes = Buffer.from(next, 'base64');
  const at = bytes.length - 5;
  bytes[at] = bytes[at]! ^ 0x01;
  expect(await outcome(b0.engine.openCallSignal(from, bytes.toString('base64')))).toBe('tampered');
  expect((await b0.engine.openCallSignal(from, next)).callId).toBe(1);

  // Claimed to come from another device of the sender's than the one that sealed it: refused.
  expect(await outcome(b0.engine.openCallSignal({ userId: alice.id, deviceId: b0.deviceId }, next))).toBe('untrusted-device-list');
  for (const d of [...alice.devices, ...bob.devices]) d.stop();
}, 120_000);

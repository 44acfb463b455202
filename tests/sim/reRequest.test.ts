/**
 * Issue #20, key re-requests through the real client: a device asks a sender's device for a key
 * it lacks only for messages stored after the device was registered; history from before it
 * existed is left to the key backup (a sender would refuse, having sealed it before the approval).
 */
import { expect, it } from 'vitest';
import type { EnvelopeOut } from '../../protocol/frames';
import { SimDevice, Transcript, twoInACommunity, worldSuite } from './world';

const suite = worldSuite();

it('no request for history older than the device; a request for a later message it cannot open', async () => {
  const { tag, alice, bob, a0, b0, channelId } = await twoInACommunity('rq', 'Re-requests');
  const transcript = await Transcript.open(suite.world.server, a0, channelId);
  let head = 0;
  for (let i = 0; i < 3; i++) head = await b0.send(suite.world.server, channelId, `before ${i}`, head);

  // A new device of Alice's, not approved: every deliver-many it sends is counted.
  const a1 = await SimDevice.start(alice, `${tag}a-d1`);
  await expect.poll(() => a1.engine.registeredAt, { timeout: 10_000 }).toBeDefined();
  const sent: unknown[] = [];
  const hubSend = a1.engine.hub.send.bind(a1.engine.hub);
  a1.engine.hub.send = (frame: unknown) => ((frame as { type: string }).type === 'deliver-many' && sent.push(frame), hubSend(frame));
  const settled = () => a1.engine.openMany(channelId, []); // runs after anything the last open queued

  const older: EnvelopeOut[] = await transcript.upTo(head);
  const results = await a1.engine.openMany(channelId, older);
  expect(results.map((r) => r.ok)).toEqual([false, false, false]);
  await settled();
  expect(sent).toEqual([]);

  // A message stored after the device was registered, which it cannot open (it is not approved):
  // it asks Bob's device (which refuses it, having sealed it before any approval).
  head = await b0.send(suite.world.server, channelId, 'after', head);
  const later = (await transcript.upTo(head)).filter((e) => e.seq === head);
  expect((await a1.engine.openMany(channelId, later))[0]!.ok).toBe(false);
  await expect.poll(async () => (await settled(), sent.length), { timeout: 10_000 }).toBeGreaterThan(0);
  expect((await a1.engine.openMany(channelId, later))[0]!.ok).toBe(false);

  transcript.close();
  for (const d of [...alice.devices, ...bob.devices]) d.stop();
}, 120_000);

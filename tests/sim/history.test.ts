/**
 * Issue #20 item 2, through the real client against the real server: a device restored from the
 * key backup reads the history the backup covers, past the MAX_SENDER_KEY_STATES key ids a
 * receiver keeps live — other people's older keys (retired to their history point) and the lost
 * device's own replaced keys (retired under its own address), both carried by the backup.
 */
import { expect, it } from 'vitest';
import { MAX_SENDER_KEY_STATES } from '../../client/src/crypto/SenderKey';
import { SimDevice, Transcript, twoInACommunity, worldSuite } from './world';

const suite = worldSuite();

it('a phone lost after many rotations: the device restored from the backup reads every message, its own and the other member’s', async () => {
  const { tag, alice, bob, a0: phone, b0, channelId } = await twoInACommunity('hi', 'History');
  const transcript = await Transcript.open(suite.world.server, phone, channelId);

  // Each round both send once, then both rotate (as after a member's removal): more keys per
  // sender than a receiver keeps live.
  const rounds = MAX_SENDER_KEY_STATES + 3;
  const texts = new Map<number, string>();
  let head = 0;
  for (let k = 0; k < rounds; k++) {
    for (const [who, d] of [['alice', phone], ['bob', b0]] as const) {
      const text = `${who} key ${k}`;
      head = await d.send(suite.world.server, channelId, text, head);
      texts.set(head, text);
    }
    await phone.engine.rotate(channelId);
    await b0.engine.rotate(channelId);
  }
  const all = await transcript.upTo(head);
  expect(all.length).toBe(2 * rounds);

  // The phone read Bob's messages as they came (it holds his keys), then its backup is saved.
  await expect.poll(async () => (await phone.engine.openMany(channelId, all.filter((e) => e.sender === bob.id))).every((r) => r.ok), { timeout: 20_000 }).toBe(true);
  await phone.engine.backup.sync(true);
  expect(phone.engine.backup.status().kind).toBe('saved');
  phone.stop();

  // A new device, given the recovery code, restores the backup and reads the whole conversation.
  const restored = await SimDevice.start(alice, `${tag}a-d1`);
  await restored.engine.backup.enable(alice.backupKey);
  const results = await restored.engine.openMany(channelId, all);
  const read = all.map((e, i) => {
    const r = results[i]!;
    return r.ok ? restored.client.body.decodeBody(r.plaintext)?.text : `(${r.code})`;
  });
  expect(read).toEqual(all.map((e) => texts.get(e.seq)));

  transcript.close();
  for (const d of [...alice.devices, ...bob.devices]) d.stop();
}, 180_000);

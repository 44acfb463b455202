/**
 * Issue #20: a new recovery code made on one device is announced to the account's other devices
 * inside their pairwise sessions; a device keeping the backup under the old code asks for the new
 * one at once instead of at its next upload. Real client modules per device (tests/sim/world.ts).
 */
import { randomBytes } from 'node:crypto';
import { expect, it } from 'vitest';
import { SimDevice, SimUser, worldSuite } from './world';

const suite = worldSuite();

it('the other device of the account hears of the new code at once and asks for it (stale-key), without an upload of its own', async () => {
  const tag = `rk${randomBytes(3).toString('hex')}`;
  const alice = new SimUser(`${tag}a`);
  const first = await SimDevice.start(alice, `${tag}a-d0`);
  const second = await SimDevice.start(alice, `${tag}a-d1`);
  // The second device restores the backup with the code: it keeps the backup too and approves itself.
  await second.engine.backup.enable(alice.backupKey);
  await expect.poll(() => second.engine.lists.own().kind, { timeout: 15_000 }).toBe('approved');
  await expect.poll(() => second.engine.backup.status().kind, { timeout: 15_000 }).not.toBe('saving');
  expect(second.engine.backup.status().kind).not.toBe('stale-key');

  await first.engine.backup.rekey(new Uint8Array(randomBytes(32)));
  await expect.poll(() => second.engine.backup.status().kind, { timeout: 15_000 }).toBe('stale-key');
  for (const d of alice.devices) d.stop();
}, 120_000);

/**
 * The sender key goes out while the person types (issue #21 item 4, Engine.prepare): in
 * Chromium against the real server, an owner and four members (Node devices with real keys,
 * tests/helpers/groupMember.ts). Typing in the channel, before Enter, gives every member device
 * the owner's sender key and sends no message; after Enter the message needs no distribution of
 * its own. Then a member is removed: the next typing gives the remaining devices a new key, never
 * the removed one, and the message after it reaches the others and not the removed member.
 */
import { describe, expect, it } from 'vitest';
import { MemberDevice, registerMember } from '../helpers/groupMember';
import { browserSuite, createInviteLink, messageWith, ownerWithCommunity, PASSWORD } from './helpers';

const suite = browserSuite();

describe('sender key while typing', () => {
  it('typing distributes the key before Enter; after a removal the new key reaches only those who remain (21.4)', async () => {
    const { pages, server } = suite;
    const owner = await pages.newPage();
    const { communityId, channelId } = await ownerWithCommunity(suite, owner, 'typist', 'Typing');
    const { code } = await createInviteLink(owner);

    const devices: MemberDevice[] = [];
    for (let i = 1; i <= 4; i++) {
      const user = await registerMember(server, `typed${i}`, code);
      const [device] = await MemberDevice.createAll(server, user);
      await device!.connect(server, [channelId]);
      devices.push(device!);
    }
    // The owner's hub frames: a `deliver-many` carries sealed keys.
    const deliveries: number[] = [];
    owner.on('websocket', (ws) => {
      if (!ws.url().includes('/ws/hub')) return;
      ws.on('framesent', (f) => {
        if (String(f.payload).includes('"deliver-many"')) deliveries.push(Date.now());
      });
    });
    // The page's hub socket was opened before the listener: reload so it is watched.
    await owner.reload();
    await expect.poll(() => owner.getByRole('heading', { name: '#general' }).count(), { timeout: 20_000 }).toBe(1);

    try {
      const composer = owner.locator('#composer-input');
      await composer.pressSequentially('Hello every');
      await expect.poll(() => devices.every((d) => d.keysReceived >= 1), { timeout: 30_000 }).toBe(true);
      // Nothing was sent: only the key went out.
      expect(devices.flatMap((d) => d.arrivals.filter((a) => a.kind === 'envelope'))).toEqual([]);
      const deliveriesBeforeEnter = deliveries.length;
      expect(deliveriesBeforeEnter).toBeGreaterThan(0);
      await composer.pressSequentially('one');
      await composer.press('Enter');
      await Promise.all(devices.map((d) => d.receivedAt('Hello everyone', 30_000)));
      await expect.poll(() => owner.locator('li.message.pending').count()).toBe(0);
      expect(deliveries.length, 'the message needed no distribution of its own').toBe(deliveriesBeforeEnter);

      // A member is removed; the owner's next typing rotates the key for the others only.
      const leaver = devices.pop()!;
      const keysBefore = new Map(devices.map((d) => [d, d.keysReceived]));
      const leaverKeys = leaver.keysReceived;
      const login = (await (await fetch(`${server.url}/api/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username: 'typist', password: PASSWORD }) })).json()) as { accessToken: string };
      const kicked = await fetch(`${server.url}/api/communities/${communityId}/members/${leaver.user.id}`, { method: 'DELETE', headers: { Authorization: `Bearer ${login.accessToken}` } });
      expect(kicked.status).toBe(204);
      await expect.poll(() => owner.getByRole('region', { name: /^Members/ }).getByRole('listitem').filter({ hasText: leaver.user.username }).count(), { timeout: 20_000 }).toBe(0);
      await composer.pressSequentially('After the rem');
      await expect.poll(() => devices.every((d) => d.keysReceived > keysBefore.get(d)!), { timeout: 30_000 }).toBe(true);
      await composer.pressSequentially('oval');
      await composer.press('Enter');
      await Promise.all(devices.map((d) => d.receivedAt('After the removal', 30_000)));
      expect(leaver.keysReceived, 'the removed member got no new key').toBe(leaverKeys);
      expect(leaver.received.map((r) => r.text)).not.toContain('After the removal');
      expect(await messageWith(owner, 'After the removal').count()).toBe(1);
      for (const d of devices) expect(d.failures, `${d.user.username}'s device`).toEqual([]);
    } finally {
      for (const d of [...devices]) d.close();
    }
    expect(pages.problems).toEqual([]);
  });
});

/**
 * Group encryption at community scale (issue #21), in Chromium against the real server with its
 * default rate limits: an owner and 29 members in one channel — the members are devices run in
 * Node with the client's crypto library and real keys (tests/helpers/groupMember.ts), each with a
 * signed device list — and the owner's first message, which has to start 29 pairwise sessions
 * and distribute the owner's sender key before it can go out. It reaches a member within the
 * bound in the test's name, every member opens it, and the owner's browser never receives a 429.
 */
import { describe, expect, it } from 'vitest';
import { MemberDevice, registerMember } from '../helpers/groupMember';
import { browserSuite, createInviteLink, messageWith, ownerWithCommunity, send } from './helpers';

const suite = browserSuite();

const MEMBERS = 29;

describe('group encryption at community scale', () => {
  it('the first message in a 30-member channel reaches a member within 5 s and every member within 15 s, with no 429 for the sender', async () => {
    const { pages, server } = suite;
    const owner = await pages.newPage();
    const { channelId } = await ownerWithCommunity(suite, owner, 'crowdhost', 'Crowd');
    const { code } = await createInviteLink(owner);

    // The members register, join, publish keys and connect (from Node, sharing 127.0.0.1's budget).
    const devices: MemberDevice[] = [];
    for (let i = 1; i <= MEMBERS; i++) {
      const user = await registerMember(server, `member${i}`, code);
      const [device] = await MemberDevice.createAll(server, user);
      await device!.connect(server, [channelId]);
      devices.push(device!);
    }
    try {
      // Let the per-IP budget the members' setup spent refill: the owner's own requests are measured.
      await new Promise((r) => setTimeout(r, 2500));
      const statuses: { url: string; status: number }[] = [];
      owner.on('response', (r) => statuses.push({ url: r.url(), status: r.status() }));

      const text = 'First message to the whole crowd';
      const sentAt = Date.now();
      await send(owner, text);
      const first = await Promise.any(devices.map((d) => d.receivedAt(text, 60_000)));
      const all = await Promise.all(devices.map((d) => d.receivedAt(text, 60_000)));
      const firstMs = first - sentAt;
      const allMs = Math.max(...all) - sentAt;
      console.log(`30-member channel, first message: first member after ${firstMs} ms, every member after ${allMs} ms`);
      await expect.poll(() => owner.locator('li.message.pending').count()).toBe(0);
      expect(await messageWith(owner, text).count()).toBe(1);

      expect(firstMs).toBeLessThan(5_000);
      expect(allMs).toBeLessThan(15_000);
      expect(statuses.filter((s) => s.status === 429), 'the sender met a rate limit').toEqual([]);
      for (const d of devices) expect(d.failures, `${d.user.username}'s device`).toEqual([]);
      // One batch of device lists and one of bundles, not one request per member.
      const keyReads = statuses.filter((s) => /\/api\/users\/(devices|bundles|[^/]+\/(devices|bundles))$/.test(new URL(s.url).pathname));
      expect(keyReads.length).toBeLessThanOrEqual(4);
    } finally {
      for (const d of devices) d.close();
    }
    expect(pages.problems).toEqual([]);
  });
});

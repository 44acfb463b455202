/**
 * Issue #18 item 5 in Chromium: the web client on a server that shards every channel
 * (CHANNEL_SHARD_THRESHOLD=0: no member's socket is the room's own; each goes to a relay shard of
 * two). Alice and Bob register, join one community and write to each other; Bob reloads and
 * reads the history; Bob's browser goes offline while Alice writes, and the messages arrive when
 * it is back (the `hello` replay through his shard). The metrics count their sockets as relayed.
 */
import { describe, expect, it } from 'vitest';
import { browserSuite, communityOfTwo, messageWith, send } from './helpers';
import { openSockets } from '../helpers/fanout';

const METRICS_TOKEN = 'sharded-browser-metrics-token-0123456789';
const suite = browserSuite({ CHANNEL_SHARD_THRESHOLD: '0', CHANNEL_SHARD_SIZE: '2', METRICS_TOKEN });

const relayed = () => openSockets(suite.server.url, METRICS_TOKEN, 'relayed');
const onTheRoom = () => openSockets(suite.server.url, METRICS_TOKEN, 'channel');

describe('a sharded channel in the browser', () => {
  it('18.5: every channel socket on a relay shard; messages both ways, history after a reload, catch-up after going offline', async () => {
    const alice = await suite.pages.newPage();
    const bob = await suite.pages.newPage();
    const { channelUrl } = await communityOfTwo(suite, alice, bob, 'Sharded club', ['alice', 'bob']);
    await alice.goto(channelUrl);
    await bob.goto(channelUrl);
    await expect.poll(() => bob.locator('#composer-input').isEnabled(), { timeout: 20_000 }).toBe(true);
    // Both channel sockets are on shards, none on the room.
    await expect.poll(() => relayed(), { timeout: 20_000 }).toBeGreaterThanOrEqual(2);
    expect(await onTheRoom()).toBe(0);

    await send(alice, 'hello through a shard');
    await expect.poll(() => messageWith(bob, 'hello through a shard').count(), { timeout: 30_000 }).toBe(1);
    await send(bob, 'and back again');
    await expect.poll(() => messageWith(alice, 'and back again').count(), { timeout: 30_000 }).toBe(1);

    // A reload reads the history through the shard.
    await bob.reload();
    await expect.poll(() => messageWith(bob, 'hello through a shard').count(), { timeout: 30_000 }).toBe(1);
    expect(await messageWith(bob, 'and back again').count()).toBe(1);

    // Offline while Alice writes; back online, the replay brings both, once each and in order.
    await bob.context().setOffline(true);
    await expect.poll(() => bob.getByTestId('offline-banner').count(), { timeout: 20_000 }).toBe(1);
    await send(alice, 'while you were away 1');
    await send(alice, 'while you were away 2');
    await bob.context().setOffline(false);
    // (Drawn within one render interval of each other: the live copy of the second may arrive before the replay.)
    await expect.poll(() => messageWith(bob, 'while you were away 2').count(), { timeout: 30_000 }).toBe(1);
    await expect.poll(() => messageWith(bob, 'while you were away 1').count(), { timeout: 30_000 }).toBe(1);
    const order = await bob.locator('[role="log"] li.message').evaluateAll((lis) => lis.map((li) => li.textContent ?? '').filter((t) => t.includes('while you were away')).map((t) => (t.includes('away 1') ? 1 : 2)));
    expect(order).toEqual([1, 2]);
    // Going offline makes the page's own requests fail (net::ERR_INTERNET_DISCONNECTED): that, and nothing else.
    expect(suite.pages.problems.filter((p) => !p.includes('ERR_INTERNET_DISCONNECTED'))).toEqual([]);
  });
});

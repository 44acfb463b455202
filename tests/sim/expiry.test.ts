/**
 * Issue #20, "let a token expire", through the real client: a device whose access token expired
 * while it still believed it fresh (a laptop that slept) is refused by the server, refreshes, and
 * carries on — its API calls, its hub (which reconnects through a refused upgrade) and a
 * message's key distribution all work afterwards. The simulation's `expire-token` step does this
 * at random; this pins that the step really presents an expired token.
 */
import { expect, it } from 'vitest';
import { Transcript, twoInACommunity, worldSuite } from './world';

const suite = worldSuite();

it('an expired access token is refused (401), then the device refreshes, reconnects its hub and its message is read', async () => {
  const { alice, bob, a0, b0, communityId, channelId } = await twoInACommunity('ex', 'Expiry');
  await expect.poll(() => b0.engine.hub.status(), { timeout: 15_000 }).toBe('open');

  await b0.expireAccessToken(suite.world);
  const expired = b0.token;
  const refused = await fetch(`${suite.world.server.url}/api/communities`, { headers: { Authorization: `Bearer ${expired}` } });
  expect(refused.status).toBe(401);

  // The hub's reconnect presents the expired token, is refused, refreshes and gets in.
  b0.engine.hub.reconnect();
  await expect.poll(() => b0.token !== expired && b0.engine.hub.status() === 'open', { timeout: 20_000 }).toBe(true);
  // So does an API call made with it (a fresh expired token: the hub has just replaced the last).
  await b0.expireAccessToken(suite.world);
  expect((await b0.client.communities.listCommunities()).communities.map((c) => c.id)).toContain(communityId);

  // A message from Bob reaches Alice: his key distribution went out over the refreshed session.
  const transcript = await Transcript.open(suite.world.server, a0, channelId);
  await b0.expireAccessToken(suite.world);
  const seq = await b0.send(suite.world.server, channelId, 'after the nap', 0);
  const [env] = (await transcript.upTo(seq)).filter((e) => e.seq === seq);
  await expect
    .poll(async () => {
      const [r] = await a0.engine.openMany(channelId, [env!]);
      return r!.ok ? a0.client.body.decodeBody(r!.plaintext)?.text : r!.code;
    }, { timeout: 20_000 })
    .toBe('after the nap');

  transcript.close();
  for (const d of [...alice.devices, ...bob.devices]) d.stop();
}, 120_000);

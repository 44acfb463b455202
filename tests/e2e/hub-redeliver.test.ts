/**
 * A sender-key delivery caught by a dropped hub socket, in Chromium against the real server: the
 * socket closes just as Bob's client hands the hub a pairwise ciphertext (the frame never arrives),
 * and the client sends the same delivery — same clientMsgId, so the hub stores it once — as soon
 * as the hub socket is back, instead of waiting out its confirmation timeout and starting over.
 * Alice then reads the message.
 */
import { describe, expect, it } from 'vitest';
import { browserSuite, messageWith, openDmFrom, register, registerAnother, send, startDm } from './helpers';

const suite = browserSuite();

describe('hub redelivery', () => {
  it('a delivery lost with the hub socket is sent again, unchanged, on the next connection', async () => {
    const { server, pages } = suite;
    const alice = await pages.newPage();
    await alice.goto(server.url);
    await register(alice, 'alice', pages.problems);

    const bob = await pages.newPage();
    let connections = 0;
    let dropped: string | null = null;
    let droppedOn = 0;
    const deliveries: { connection: number; clientMsgId: string }[] = [];
    // Bob's hub socket goes through the test: the first frame carrying a delivery (`deliver-many`,
    // as the client sends sender keys since issue #21) is swallowed and the connection closed, as
    // a network drop would.
    await bob.routeWebSocket(/\/ws\/hub/, (ws) => {
      const connection = ++connections;
      const upstream = ws.connectToServer();
      ws.onMessage((message) => {
        const frame = typeof message === 'string' ? (JSON.parse(message) as { type: string; clientMsgId?: string; items?: { clientMsgId: string }[] }) : null;
        const ids = frame?.type === 'deliver' ? [frame.clientMsgId!] : frame?.type === 'deliver-many' ? frame.items!.map((i) => i.clientMsgId) : [];
        if (ids.length > 0) {
          for (const clientMsgId of ids) deliveries.push({ connection, clientMsgId });
          if (dropped === null) {
            dropped = ids[0]!;
            droppedOn = connection;
            void upstream.close({ code: 1000, reason: 'test drop' });
            void ws.close({ code: 4000, reason: 'test drop' });
            return;
          }
        }
        upstream.send(message);
      });
      upstream.onMessage((message) => ws.send(message));
    });
    await registerAnother(bob, server.url, 'bob', pages.problems);
    await startDm(bob, 'alice');
    await send(bob, 'Through a dropped hub');
    // Bob and Alice share no community: the DM is a request, and nothing (not even a key) goes
    // to Alice before she accepts it.
    await openDmFrom(alice, 'bob');

    // The swallowed delivery goes out again on the next connection, with the same id.
    await expect.poll(() => deliveries.filter((d) => d.clientMsgId === dropped && d.connection > droppedOn).length, { timeout: 20_000 }).toBe(1);
    await expect.poll(() => messageWith(alice, 'Through a dropped hub').count(), { timeout: 20_000 }).toBe(1);
    expect(await messageWith(alice, 'Through a dropped hub').count()).toBe(1);
    expect(pages.problems).toEqual([]);
  }, 120_000);
});

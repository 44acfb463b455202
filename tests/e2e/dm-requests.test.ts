/**
 * Message requests in Chromium (hardening #11.8): a DM from someone who shares no community is a
 * request. Its starter sees that it waits and what they write is held; the recipient sees it
 * under Message requests, and accepting lets the held message through, while declining blocks
 * it without telling the starter. Settings → Privacy says who may message you directly.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { acceptDmRequest, browserSuite, expectNoCanaries, messageWith, register, registerAnother, send, startDm } from './helpers';

const suite = browserSuite();

describe('message requests', () => {
  it('a request waits for its answer: accepted, the held message arrives; declined, it never does; "everyone" takes DMs directly; V1 no canary stored', async () => {
    // V1: the held, the declined and the direct message each carry a canary the server must never store.
    const [held, blocked, direct] = ['held', 'blocked', 'direct'].map((k) => `canary${k}x${randomBytes(16).toString('hex')}`) as [string, string, string];
    const alice = await suite.pages.newPage();
    const bob = await suite.pages.newPage();
    const carol = await suite.pages.newPage();
    // The first account sets the instance up; the others register from the sign-in screen.
    await alice.goto(suite.server.url);
    await register(alice, 'alice', suite.pages.problems);
    await expect.poll(() => alice.getByRole('heading', { name: /Welcome/ }).count(), { timeout: 20_000 }).toBe(1);
    await registerAnother(bob, suite.server.url, 'bob', suite.pages.problems);
    await registerAnother(carol, suite.server.url, 'carol', suite.pages.problems);

    // Bob writes to Alice: a request; his message waits, and he is told why.
    await startDm(bob, 'alice');
    await send(bob, `Hello from Bob, held until Alice accepts ${held}`);
    await expect.poll(() => bob.getByTestId('dm-waiting').textContent(), { timeout: 20_000 }).toMatch(/alice has not accepted your message request/);

    // Carol writes too.
    await startDm(carol, 'alice');
    await send(carol, `Carol here, please block me ${blocked}`);

    // Alice: both under Message requests, not among her conversations.
    await alice.getByRole('link', { name: 'Direct messages' }).click();
    const requests = alice.getByRole('list', { name: 'Message requests' });
    await expect.poll(() => requests.getByRole('link').count(), { timeout: 20_000 }).toBe(2);
    await requests.getByRole('link', { name: 'bob' }).click();
    await expect.poll(() => alice.getByTestId('dm-request').textContent()).toMatch(/bob wants to send you direct messages/);
    await acceptDmRequest(alice);
    await expect.poll(() => messageWith(alice, 'held until Alice accepts').count(), { timeout: 30_000 }).toBe(1);
    await expect.poll(() => bob.getByTestId('dm-waiting').count(), { timeout: 20_000 }).toBe(0);
    await send(alice, 'Accepted, hi Bob');
    await expect.poll(() => messageWith(bob, 'Accepted, hi Bob').count(), { timeout: 20_000 }).toBe(1);

    await requests.getByRole('link', { name: 'carol' }).click();
    await alice.getByTestId('dm-request').getByRole('button', { name: 'Decline and block' }).click();
    await expect.poll(() => alice.getByRole('list', { name: 'Message requests' }).count(), { timeout: 20_000 }).toBe(0);
    // Carol is not told: her side still waits, and her message never reaches Alice.
    await expect.poll(() => carol.getByTestId('dm-waiting').count()).toBe(1);
    expect(await alice.getByRole('complementary').getByRole('link', { name: 'carol' }).count()).toBe(0);

    // Alice takes DMs from everyone: Dave's arrives as a conversation, no request.
    await alice.getByRole('link', { name: 'Settings' }).click();
    const everyone = alice.getByRole('radio', { name: 'Everyone on this instance' });
    expect(await alice.getByRole('radio', { name: 'People in your communities' }).isChecked()).toBe(true);
    await Promise.all([alice.waitForResponse((r) => r.url().endsWith('/api/me') && r.request().method() === 'PATCH' && r.ok()), everyone.check()]);
    await alice.reload();
    await expect.poll(() => alice.getByRole('radio', { name: 'Everyone on this instance' }).isChecked(), { timeout: 20_000 }).toBe(true);
    const dave = await suite.pages.newPage();
    await registerAnother(dave, suite.server.url, 'dave', suite.pages.problems);
    await startDm(dave, 'alice');
    await send(dave, `Dave, straight through ${direct}`);
    expect(await dave.getByTestId('dm-waiting').count()).toBe(0);
    await alice.getByRole('link', { name: 'Direct messages' }).click();
    const daveLink = alice.getByRole('complementary').getByRole('link', { name: /dave/ });
    await expect.poll(() => daveLink.count(), { timeout: 30_000 }).toBe(1);
    await daveLink.click();
    await expect.poll(() => alice.getByTestId('dm-request').count()).toBe(0);
    await expect.poll(() => messageWith(alice, 'Dave, straight through').count(), { timeout: 20_000 }).toBe(1);
    expect(suite.pages.problems).toEqual([]);
    await suite.server.kill();
    expectNoCanaries(suite.server.dataDir, [held, blocked, direct]);
  }, 180_000);
});

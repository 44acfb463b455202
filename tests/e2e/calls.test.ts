/**
 * Calls in Chromium against `npm start` (issue #14), with Chromium's fake camera and microphone:
 * three people join a voice channel and each receives the others' audio and video (inbound-rtp
 * bytes and decoded frames growing for every remote peer, read from getStats by the call view);
 * one shares a screen and the others receive it as a second video;
 * one leaves and rejoins without leaving a ghost tile; a DM call is seen by the other side, who
 * joins it; and the room never saw an SDP (it relays pairwise ciphertext only).
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { png } from '../images/samples';
import { browserSuite, createVoiceChannel, communityOfTwo, expectNoCanaries, messageWith, openDmFrom, register, registerAnother, send, seriousViolations, startDm } from './helpers';

const suite = browserSuite();

/** The call view's remote tiles on `page`, with what each has received so far. */
async function tiles(page: Page): Promise<{ user: string; audioBytes: number; videoFrames: number; connection: string }[]> {
  return page.getByTestId('call-tile').evaluateAll((els) =>
    els.map((el) => ({
      user: el.getAttribute('data-user') ?? '',
      audioBytes: Number(el.getAttribute('data-audio-bytes')),
      videoFrames: Number(el.getAttribute('data-video-frames')),
      connection: el.getAttribute('data-connection') ?? '',
    })),
  );
}

/** Waits until `page` shows `n` remote tiles, each connected and receiving audio bytes (and, unless `audioOnly`, decoded video frames). */
async function receivingFrom(page: Page, n: number, audioOnly = false) {
  await expect
    .poll(async () => {
      const t = await tiles(page);
      return t.length === n && t.every((x) => x.connection === 'connected' && x.audioBytes > 0 && (audioOnly || x.videoFrames > 0));
    }, { timeout: 45_000, interval: 500 })
    .toBe(true);
  return tiles(page);
}

describe('calls', () => {
  it('14.1/14.4/14.5/14.7: three people in a voice channel hear and see each other; screen, devices, background, server mute, reload, a dropped network, leaving and a call limit, without a ghost', async () => {
    const alice = await suite.pages.newPage();
    const bob = await suite.pages.newPage();
    const carol = await suite.pages.newPage();
    await communityOfTwo(suite, alice, bob, 'Callers', ['alice', 'bob']);
    await alice.getByRole('button', { name: 'Invite' }).click();
    await alice.getByRole('button', { name: 'Create invite link' }).click();
    const link = await alice.getByTestId('invite-link').inputValue();
    await alice.getByRole('dialog').getByRole('button', { name: 'Close' }).click();
    await carol.goto(link);
    await register(carol, 'carol', suite.pages.problems);
    await expect.poll(() => carol.getByRole('heading', { name: '#general' }).count(), { timeout: 20_000 }).toBe(1);

    // A voice channel, made from the menu.
    const lounge = await createVoiceChannel(alice, 'lounge');

    // Alice joins with her camera; Bob sees that she is in the call before he joins.
    await alice.getByTestId('call-join').click();
    await alice.getByRole('button', { name: 'Camera on' }).click();
    await bob.goto(lounge);
    await expect.poll(() => bob.getByTestId('call-banner').textContent(), { timeout: 20_000 }).toMatch(/alice/);
    // Carol, still in #general, sees in the sidebar who is in the voice channel, live.
    await expect.poll(() => carol.getByTestId('voice-roster').textContent(), { timeout: 20_000 }).toBe('alice');
    for (const page of [bob, carol]) {
      if (page === carol) await carol.goto(lounge);
      await page.getByTestId('call-join').click();
      await page.getByRole('button', { name: 'Camera on' }).click();
    }
    // Everyone receives the other two: audio bytes and decoded video frames, growing.
    const first = await Promise.all([alice, bob, carol].map((p) => receivingFrom(p, 2)));
    for (const [i, page] of [alice, bob, carol].entries()) {
      const before = first[i]!;
      await expect
        .poll(async () => {
          const now = await tiles(page);
          return now.every((x) => {
            const was = before.find((b) => b.user === x.user);
            return !!was && x.audioBytes > was.audioBytes && x.videoFrames > was.videoFrames;
          });
        }, { timeout: 30_000, interval: 500 })
        .toBe(true);
    }
    await expect.poll(() => alice.getByTestId('voice-roster').allTextContents(), { timeout: 20_000 }).toEqual(['alicebobcarol']);
    // Everyone shows three in the call.
    for (const page of [alice, bob, carol]) await expect.poll(() => page.getByTestId('call-view').getByRole('status').first().textContent()).toMatch(/3 in the call/);

    // Alice shares her screen: Bob and Carol get it as a second video, in its own tile, playing.
    await alice.getByRole('button', { name: 'Share screen' }).click();
    await expect.poll(() => alice.getByRole('button', { name: 'Stop sharing' }).count(), { timeout: 15_000 }).toBe(1);
    for (const page of [bob, carol]) {
      const screen = page.getByTestId('call-screen');
      await expect
        .poll(() => screen.evaluateAll((els) => els.map((el) => el.querySelector('video')).filter((v) => v && v.readyState >= 2 && v.videoWidth > 0).length), { timeout: 30_000, interval: 500 })
        .toBe(1);
      expect(await screen.getAttribute('data-user')).toBe(await page.getByTestId('call-tile').filter({ hasText: 'alice' }).getAttribute('data-user'));
    }
    await alice.getByRole('button', { name: 'Stop sharing' }).click();
    for (const page of [bob, carol]) await expect.poll(() => page.getByTestId('call-screen').count(), { timeout: 15_000 }).toBe(0);

    // Bob picks another microphone and a background; both are kept on his device. The new
    // microphone replaces the track the others receive, without a new negotiation.
    await bob.getByText('Devices and background').click();
    const mics = await bob.locator('select[name="microphone"] option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value).filter(Boolean));
    expect(mics.length).toBeGreaterThan(1);
    const mic = mics[mics.length - 1]!;
    await bob.locator('select[name="microphone"]').selectOption(mic);
    await bob.getByRole('radio', { name: 'Forest' }).check();
    await expect.poll(() => bob.getByTestId('call-view').getAttribute('data-background')).toBe('forest');
    // …then a picture of his own, kept on his device only (re-encoded: no metadata survives).
    await bob.locator('input[name="callBackgroundPicture"]').setInputFiles({ name: 'beach.png', mimeType: 'image/png', buffer: png(64, 48, [20, 120, 200], 'GPS: secret spot') });
    await expect.poll(() => bob.getByTestId('call-view').getAttribute('data-background')).toBe('custom');
    expect(await bob.getByTestId('call-view').getAttribute('style')).toMatch(/url\("data:image\/jpeg;base64,/);
    const bobId = (await alice.getByTestId('call-tile').filter({ hasText: 'bob' }).getAttribute('data-user'))!;
    const heard = async () => (await tiles(alice)).find((x) => x.user === bobId)?.audioBytes ?? 0;
    const before = await heard();
    await expect.poll(heard, { timeout: 20_000 }).toBeGreaterThan(before);

    // Bob reloads: his tab joins the same call again by itself, with his choices, and no ghost is left.
    await bob.reload();
    await expect.poll(() => bob.getByTestId('call-view').getAttribute('data-state'), { timeout: 30_000 }).toBe('joined');
    expect(await bob.getByTestId('call-view').getAttribute('data-background')).toBe('custom');
    expect(await bob.evaluate(() => JSON.parse(localStorage.getItem('chatalot.preferences') ?? '{}').microphoneId)).toBe(mic);
    for (const page of [alice, bob, carol]) await receivingFrom(page, 2);

    // The owner server-mutes Bob: Bob is told and cannot unmute; nobody plays his audio; then lifted.
    const bobTileAt = (page: Page) => page.getByTestId('call-tile').filter({ hasText: 'bob' });
    await bobTileAt(alice).hover();
    await bobTileAt(alice).getByRole('button', { name: 'Mute for everyone' }).click();
    await expect.poll(() => bob.getByText('A moderator muted you in this call.').count(), { timeout: 15_000 }).toBe(1);
    expect(await bob.getByRole('button', { name: 'Mute', exact: true }).isDisabled()).toBe(true);
    await expect.poll(() => bobTileAt(carol).getAttribute('data-audible'), { timeout: 15_000 }).toBe('false');
    await bobTileAt(alice).hover();
    await bobTileAt(alice).getByRole('button', { name: 'Unmute for everyone' }).click();
    await expect.poll(() => bobTileAt(carol).getAttribute('data-audible'), { timeout: 15_000 }).toBe('true');
    expect(await carol.getByTestId('call-tile').filter({ hasText: 'alice' }).getByRole('button', { name: 'Mute for everyone' }).count()).toBe(0);

    // Carol's network drops and comes back: she leaves the others' grids, then joins again by herself.
    await carol.context().setOffline(true);
    for (const page of [alice, bob]) await expect.poll(async () => (await tiles(page)).length, { timeout: 20_000 }).toBe(1);
    await carol.context().setOffline(false);
    for (const page of [alice, bob, carol]) await receivingFrom(page, 2);

    // Alice limits the channel's call to 2 from its settings: Carol, who leaves (her tile goes from
    // both others), is refused when she tries to come back, and told why; lifted, she gets in.
    const limit = async (value: string) => {
      await alice.getByRole('button', { name: 'Settings for #lounge' }).click();
      await alice.getByRole('dialog').locator('select[name="callCap"]').selectOption(value);
      await expect.poll(() => alice.getByRole('dialog').locator('select[name="callCap"]').inputValue()).toBe(value);
      await alice.getByRole('dialog').getByRole('button', { name: 'Close' }).click();
    };
    await limit('2');
    await carol.getByRole('button', { name: 'Leave call' }).click();
    for (const page of [alice, bob]) await expect.poll(async () => (await tiles(page)).length, { timeout: 15_000 }).toBe(1);
    await carol.getByTestId('call-join').click();
    await expect.poll(() => carol.getByTestId('call-ended').textContent(), { timeout: 20_000 }).toMatch(/the call is full \(2 participants\)/);
    await carol.getByTestId('call-ended').getByRole('button', { name: 'Dismiss' }).click();
    await limit('');
    await carol.getByTestId('call-join').click();
    await carol.getByRole('button', { name: 'Camera on' }).click();
    for (const page of [alice, bob, carol]) await receivingFrom(page, 2);

    // Closing a tab leaves the call within seconds.
    const t0 = Date.now();
    await carol.close();
    for (const page of [alice, bob]) await expect.poll(async () => (await tiles(page)).length, { timeout: 15_000 }).toBe(1);
    expect(Date.now() - t0).toBeLessThan(15_000);

    // A lower call limit for the channel, from its settings; it stays set.
    await alice.getByRole('button', { name: 'Settings for #lounge' }).click();
    await alice.getByRole('dialog').locator('select[name="callCap"]').selectOption('2');
    await alice.getByRole('dialog').getByRole('button', { name: 'Close' }).click();
    await alice.reload();
    await alice.getByRole('button', { name: 'Settings for #lounge' }).click();
    await expect.poll(() => alice.getByRole('dialog').locator('select[name="callCap"]').inputValue(), { timeout: 15_000 }).toBe('2');
    await alice.getByRole('dialog').getByRole('button', { name: 'Close' }).click();

    for (const page of [alice, bob]) expect(await seriousViolations(page)).toEqual([]);
  }, 300_000);

  it('14.2/14.3 C1: a DM call rings, is declined, then accepted; signals rewritten in transit never connect and the callee is warned', async () => {
    const dave = await suite.pages.newPage();
    const erin = await suite.pages.newPage();
    await registerAnother(dave, suite.server.url, 'dave', suite.pages.problems);
    await registerAnother(erin, suite.server.url, 'erin', suite.pages.problems);
    await startDm(dave, 'erin');
    await send(dave, 'call me?');
    await openDmFrom(erin, 'dave');
    const erinInDm = erin.url();
    // Erin reads something else; the call rings wherever she is.
    await erin.goto(suite.server.url);

    // Rings, and is declined: Dave is told.
    await dave.getByTestId('call-join').click();
    await expect.poll(() => erin.getByTestId('incoming-call').textContent(), { timeout: 20_000 }).toMatch(/dave is calling/);
    await erin.getByTestId('incoming-call').getByRole('button', { name: 'Decline' }).click();
    await expect.poll(() => dave.getByTestId('call-ended').textContent(), { timeout: 20_000 }).toMatch(/erin declined the call/);
    expect(await erin.getByTestId('incoming-call').count()).toBe(0);
    // Nobody answered: Dave's device posts "Missed call" into the DM, an encrypted message like any other.
    await expect.poll(() => messageWith(dave, 'Missed call').count(), { timeout: 20_000 }).toBe(1);
    await dave.getByTestId('call-ended').getByRole('button', { name: 'Dismiss' }).click();

    // Rings again, and is accepted: both hear each other.
    await dave.getByTestId('call-join').click();
    await expect.poll(() => erin.getByTestId('incoming-call').count(), { timeout: 20_000 }).toBe(1);
    await erin.getByTestId('incoming-call').getByRole('button', { name: 'Accept' }).click();
    expect(erin.url()).toBe(erinInDm);
    for (const page of [dave, erin]) await receivingFrom(page, 1, true);

    // The controls: Erin's camera on shows her video at Dave's, off shows her initials again;
    // the fake microphone's tone lights the speaking ring; Dave's volume for Erin reaches the
    // player; focusing a tile enlarges it; deafening stops everything Dave plays.
    const erinAtDave = dave.getByTestId('call-tile');
    await erin.getByRole('button', { name: 'Camera on' }).click();
    await expect.poll(() => erinAtDave.locator('video').count(), { timeout: 20_000 }).toBe(1);
    await erin.getByRole('button', { name: 'Camera off' }).click();
    await expect.poll(() => erinAtDave.locator('video').count(), { timeout: 20_000 }).toBe(0);
    await expect.poll(() => erinAtDave.getAttribute('class'), { timeout: 20_000 }).toMatch(/speaking/);
    await erinAtDave.locator('.call-volume input').evaluate((i) => {
      (i as HTMLInputElement).value = '0.25';
      i.dispatchEvent(new Event('input', { bubbles: true }));
    });
    await expect.poll(() => erinAtDave.locator('audio').evaluate((a) => (a as HTMLAudioElement).volume)).toBe(0.25);
    await erinAtDave.getByRole('button', { name: 'Focus erin' }).click();
    expect(await erinAtDave.getByRole('button', { name: 'Focus erin' }).getAttribute('aria-pressed')).toBe('true');
    await dave.getByRole('button', { name: 'Deafen' }).click();
    await expect.poll(() => erinAtDave.getAttribute('data-audible')).toBe('false');
    expect(await erinAtDave.locator('audio').evaluate((a) => (a as HTMLAudioElement).muted)).toBe(true);
    await expect.poll(() => erin.getByTestId('call-tile').textContent(), { timeout: 15_000 }).toContain('(muted)');
    await dave.getByRole('button', { name: 'Undeafen' }).click();
    await expect.poll(() => erinAtDave.getAttribute('data-audible')).toBe('true');

    await dave.getByRole('button', { name: 'Leave call' }).click();
    await expect.poll(async () => (await tiles(erin)).length, { timeout: 15_000 }).toBe(0);
    await erin.getByRole('button', { name: 'Leave call' }).click();
    await expect.poll(() => erin.getByTestId('call-view').count()).toBe(0);
    // Erin was the last in it: her device posts "Call ended · …", which both read.
    for (const page of [erin, dave]) await expect.poll(() => messageWith(page, 'Call ended').count(), { timeout: 20_000 }).toBe(1);
    expect(await messageWith(dave, 'Call ended').textContent()).toMatch(/Call ended · \d+ s/);

    // The operator rewrites every signal on its way to Erin (a proxy between her and the server):
    // nothing she receives opens, so no connection is made, and she is told.
    await erin.routeWebSocket(/\?call=/, (ws) => {
      const server = ws.connectToServer();
      ws.onMessage((m) => server.send(m));
      server.onMessage((m) => {
        const f = JSON.parse(String(m)) as { type: string; ciphertext?: string };
        if (f.type === 'call-signal' && f.ciphertext) {
          const mid = Math.floor(f.ciphertext.length / 2);
          f.ciphertext = f.ciphertext.slice(0, mid) + (f.ciphertext[mid] === 'A' ? 'B' : 'A') + f.ciphertext.slice(mid + 1);
        }
        ws.send(JSON.stringify(f));
      });
    });
    await dave.getByTestId('call-join').click();
    await expect.poll(() => erin.getByTestId('incoming-call').count(), { timeout: 20_000 }).toBe(1);
    await erin.getByTestId('incoming-call').getByRole('button', { name: 'Accept' }).click();
    await expect.poll(() => erin.getByTestId('call-warning').textContent(), { timeout: 30_000 }).toMatch(/could not be decrypted or verified/);
    // Dave's offer and candidates were all rewritten: for as long as a loopback call takes to connect
    // several times over, neither side connects.
    const t0 = Date.now();
    await expect.poll(async () => (await tiles(dave)).length, { timeout: 20_000 }).toBe(1);
    await expect.poll(() => Date.now() - t0 > 8_000, { timeout: 20_000, interval: 1_000 }).toBe(true);
    for (const page of [dave, erin]) expect((await tiles(page)).every((x) => x.connection !== 'connected' && x.audioBytes === 0)).toBe(true);
  }, 240_000);

  it('V1 (issue #14): after the calls above, no SDP and no ICE candidate is anywhere the server stores or logs', async () => {
    await suite.pages.closeAll();
    await suite.server.kill();
    const sdp = ['a=fingerprint:sha-256', 'a=ice-ufrag:', 'a=ice-pwd:', 'a=setup:actpass', ' typ host'];
    expectNoCanaries(suite.server.dataDir, sdp);
    for (const marker of sdp) expect(suite.server.output()).not.toContain(marker);
  });
});

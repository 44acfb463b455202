/**
 * Issue #13 item 2 in Chromium: encrypted audio and video play before the whole file has arrived.
 * Bob's player plays from `/media/{id}`, which the service worker answers by asking his page for
 * the plaintext ranges the element wants; the page fetches and decrypts only the chunks that
 * hold them. Here every ciphertext request past the first 512 KiB of a 20-second recording is
 * held back until it has played: it plays anyway. Then the rest flows, and a seek to the end
 * fetches from the middle of the file.
 *
 * A WAV is used because the player can start on its first bytes. (A WebM straight from
 * MediaRecorder has no index or duration, and Chromium reads seconds of it before it will say it
 * has metadata: it streams the same way, but no small hold shows that.)
 */
import type { Route } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { browserSuite, communityOfTwo, messageWith, send } from './helpers';

const suite = browserSuite();
const KIB = 1024;
/** Ciphertext requests starting here or later wait until the audio has played. */
const HOLD_FROM = 512 * KIB;

/** `seconds` of a 440 Hz tone: 16-bit mono PCM at 48 kHz in a WAV file. */
function wav(seconds: number): Buffer {
  const rate = 48_000;
  const samples = rate * seconds;
  const out = Buffer.alloc(44 + samples * 2);
  out.write('RIFF', 0, 'ascii');
  out.writeUInt32LE(36 + samples * 2, 4);
  out.write('WAVEfmt ', 8, 'ascii');
  out.writeUInt32LE(16, 16);
  out.writeUInt16LE(1, 20); // PCM
  out.writeUInt16LE(1, 22); // mono
  out.writeUInt32LE(rate, 24);
  out.writeUInt32LE(rate * 2, 28);
  out.writeUInt16LE(2, 32);
  out.writeUInt16LE(16, 34);
  out.write('data', 36, 'ascii');
  out.writeUInt32LE(samples * 2, 40);
  for (let i = 0; i < samples; i++) out.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / rate)), 44 + i * 2);
  return out;
}

describe('streaming encrypted media', () => {
  it('13.2: audio starts playing through the service worker while most of its ciphertext is held back, and seeks to the end by range', async () => {
    const alice = await suite.pages.newPage();
    const bob = await suite.pages.newPage();
    const { channelUrl } = await communityOfTwo(suite, alice, bob, 'Listening', ['alice', 'bob']);
    // Bob's page is controlled by the service worker once it has claimed it.
    await bob.goto(channelUrl);
    await expect.poll(() => bob.evaluate(() => !!navigator.serviceWorker.controller), { timeout: 30_000 }).toBe(true);

    const tone = wav(20);
    const held: Route[] = [];
    let release = false;
    const starts: number[] = [];
    await bob.route('**/api/files/*/content', (route) => {
      const start = Number(/^bytes=(\d+)-\d+$/.exec(route.request().headers()['range'] ?? '')?.[1] ?? NaN);
      starts.push(start);
      if (!release && start >= HOLD_FROM) held.push(route);
      else void route.continue();
    });

    await alice.getByTestId('file-input').setInputFiles({ name: 'tone.wav', mimeType: 'audio/wav', buffer: tone });
    await expect.poll(() => alice.getByTestId('pending-file').filter({ hasText: 'Ready' }).count(), { timeout: 60_000 }).toBe(1);
    await send(alice, 'a long tone');
    const player = messageWith(bob, 'a long tone').getByTestId('attachment-audio');
    await expect.poll(() => player.count(), { timeout: 30_000 }).toBe(1);
    expect(await player.getAttribute('data-streamed')).toBe('true');
    expect(await player.getAttribute('src')).toMatch(/^\/media\/[A-Za-z0-9_-]{22}$/);

    const playedTo = await player.evaluate(async (a) => {
      const el = a as HTMLAudioElement;
      el.muted = true;
      await el.play();
      const start = performance.now();
      while (el.currentTime < 0.5 && performance.now() - start < 30_000) await new Promise((r) => setTimeout(r, 50));
      return el.currentTime;
    });
    expect(playedTo).toBeGreaterThan(0.5);
    // The player has asked for what comes next, and that is still held back.
    await expect.poll(() => held.length, { timeout: 20_000 }).toBeGreaterThan(0);
    // It played on ranges only (no whole-file request), while everything from 512 KiB on (most of
    // the 1.9 MB file) was still held back.
    expect(starts.length).toBeGreaterThan(0);
    expect(starts.every(Number.isFinite)).toBe(true);
    expect(starts.filter((s) => s < HOLD_FROM).length).toBeGreaterThan(0);

    // Let the rest through, and jump to the end: the player asks from the middle.
    release = true;
    for (const r of held.splice(0)) await r.continue();
    const before = starts.length;
    const endedAt = await player.evaluate(async (a) => {
      const el = a as HTMLAudioElement;
      el.currentTime = 18.5;
      await el.play().catch(() => undefined);
      const start = performance.now();
      while (!el.ended && performance.now() - start < 30_000) await new Promise((r) => setTimeout(r, 50));
      return [el.ended, el.currentTime];
    });
    expect(endedAt[0]).toBe(true);
    expect(starts.slice(before).some((s) => s > tone.length / 2)).toBe(true);
    expect(suite.pages.problems).toEqual([]);
  }, 180_000);
});

/**
 * A call through a real TURN server (issue #14 item 6): Debian's coturn (installed by the test
 * set-up when absent) on loopback with a shared secret, the server configured with TURN_URLS and
 * TURN_SECRET, and both people set to "always relay" — so the only candidates are TURN relays
 * and media can flow only through coturn, with credentials our server issued. Coturn itself
 * refuses credentials whose stamp has expired, and credentials under another secret.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { existsSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { browserSuite, createVoiceChannel, communityOfTwo } from './helpers';

const SECRET = randomBytes(16).toString('hex');
let coturn: ChildProcess | undefined;
let turnUrl = '';
const turnLog: string[] = [];

/** Debian's coturn, installed with apt when the machine lacks it (as CI's set-up does for Chromium). */
function ensureCoturn(): string {
  const path = ['/usr/bin/turnserver', '/usr/sbin/turnserver'].find((p) => existsSync(p));
  if (path) return path;
  execFileSync('bash', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq coturn >/dev/null'], { stdio: 'inherit', timeout: 300_000 });
  return '/usr/bin/turnserver';
}

/** A UDP port nobody holds now. */
async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

async function startCoturn(): Promise<Record<string, string>> {
  const bin = ensureCoturn();
  const port = await freeUdpPort();
  const relayBase = 50_000 + Math.floor(Math.random() * 10_000);
  coturn = spawn(bin, [
    '-n', '--listening-ip=127.0.0.1', `--listening-port=${port}`, '--relay-ip=127.0.0.1', `--min-port=${relayBase}`, `--max-port=${relayBase + 200}`,
    '--use-auth-secret', `--static-auth-secret=${SECRET}`, '--realm=chatalot', '--fingerprint',
    '--no-cli', '--no-tls', '--no-dtls', '--allow-loopback-peers', '--log-file=stdout', '--simple-log', '--verbose',
  ]);
  for (const stream of [coturn.stdout!, coturn.stderr!]) stream.on('data', (d: Buffer) => turnLog.push(...d.toString().split('\n')));
  const deadline = Date.now() + 20_000;
  while (!turnLog.some((l) => /listener opened on/i.test(l))) {
    if (Date.now() > deadline || coturn.exitCode !== null) throw new Error(`coturn did not start:\n${turnLog.join('\n')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  turnUrl = `turn:127.0.0.1:${port}?transport=udp`;
  return { TURN_URLS: turnUrl, TURN_SECRET: SECRET, TURN_TTL_SECONDS: '600' };
}

const suite = browserSuite(startCoturn);
afterAll(() => void coturn?.kill());

/** Gathers ICE candidates in `page` with these TURN credentials and relay-only policy: the relay candidates found. */
function relayCandidates(page: Page, username: string, credential: string): Promise<number> {
  return page.evaluate(
    async ({ url, username, credential }) => {
      const pc = new RTCPeerConnection({ iceServers: [{ urls: url, username, credential }], iceTransportPolicy: 'relay' });
      pc.createDataChannel('probe');
      let relays = 0;
      const done = new Promise<void>((resolve) => {
        pc.onicecandidate = (e) => {
          if (!e.candidate) return resolve();
          if (e.candidate.type === 'relay') relays++;
        };
        setTimeout(resolve, 10_000);
      });
      await pc.setLocalDescription();
      await done;
      pc.close();
      return relays;
    },
    { url: turnUrl, username, credential },
  );
}

const tiles = (page: Page) =>
  page.getByTestId('call-tile').evaluateAll((els) => els.map((el) => ({ connection: el.getAttribute('data-connection'), audioBytes: Number(el.getAttribute('data-audio-bytes')), videoFrames: Number(el.getAttribute('data-video-frames')) })));

describe('calls through TURN', () => {
  it('14.6 C2: with "always relay", a two-party call carries audio and video through coturn on credentials our server issued; coturn refuses an expired stamp and a wrong secret', async () => {
    const alice = await suite.pages.newPage();
    const bob = await suite.pages.newPage();
    await communityOfTwo(suite, alice, bob, 'Relayed', ['alice', 'bob']);
    const channelUrl = await createVoiceChannel(alice, 'lounge');
    for (const page of [alice, bob]) {
      await page.goto(`${suite.server.url}/#/settings/appearance`);
      await page.getByRole('radio', { name: /Always relay through this server/ }).check();
      await page.goto(channelUrl);
      await page.getByTestId('call-join').click();
      await page.getByRole('button', { name: 'Camera on' }).click();
    }
    for (const page of [alice, bob]) {
      await expect
        .poll(async () => {
          const t = await tiles(page);
          return t.length === 1 && t[0]!.connection === 'connected' && t[0]!.audioBytes > 0 && t[0]!.videoFrames > 0;
        }, { timeout: 60_000, interval: 500 })
        .toBe(true);
    }
    // Coturn allocated relays for both people, under the usernames our server issued (expiry:userId).
    expect(turnLog.filter((l) => /ALLOCATE/.test(l) && /success/i.test(l)).length).toBeGreaterThanOrEqual(2);

    // The same secret with a stamp already past, or a wrong secret: coturn gives no relay.
    const stale = `${Math.floor(Date.now() / 1000) - 60}:someone`;
    const fresh = `${Math.floor(Date.now() / 1000) + 600}:someone`;
    const mac = (secret: string, user: string) => createHmac('sha1', secret).update(user).digest('base64');
    expect(await relayCandidates(alice, fresh, mac(SECRET, fresh))).toBeGreaterThan(0);
    expect(await relayCandidates(alice, stale, mac(SECRET, stale))).toBe(0);
    expect(await relayCandidates(alice, fresh, mac('not the secret', fresh))).toBe(0);
  }, 240_000);
});

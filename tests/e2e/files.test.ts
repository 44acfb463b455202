/**
 * Encrypted files (issue #13), in Chromium against `npm start`: Alice sends images by the file
 * button, by drag-and-drop and by paste, a video recorded in the page, and a PDF; Bob sees the
 * images decrypted inline (their box reserved before they load), walks them in the lightbox with
 * the keyboard, plays the video, and downloads the PDF byte for byte. A reload keeps it all. A
 * stranger and a kicked member get 404 for the blob. Afterwards no canary of the files' bytes or
 * names is anywhere under the server's data directory (blobs, SQLite and its WAL).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { call, registerUser, type TestUser } from '../helpers/accounts';
import { png } from '../images/samples';
import { browserSuite, communityOfTwo, expectNoCanaries, filesUnder, log, messageWith, send } from './helpers';

const suite = browserSuite();

/** Hands `bytes` to the page as a File in a DataTransfer and fires `event` (drop on the pane, paste into the composer). */
async function transfer(page: Page, event: 'drop' | 'paste', name: string, type: string, bytes: Buffer): Promise<void> {
  await page.evaluate(
    ({ event, name, type, data }) => {
      const dt = new DataTransfer();
      dt.items.add(new File([Uint8Array.from(atob(data), (c) => c.charCodeAt(0))], name, { type }));
      if (event === 'drop') {
        const pane = document.querySelector('section.pane')!;
        pane.dispatchEvent(new DragEvent('dragover', { bubbles: true, cancelable: true, dataTransfer: dt }));
        pane.dispatchEvent(new DragEvent('drop', { bubbles: true, cancelable: true, dataTransfer: dt }));
      } else {
        document.querySelector('#composer-input')!.dispatchEvent(new ClipboardEvent('paste', { bubbles: true, cancelable: true, clipboardData: dt }));
      }
    },
    { event, name, type, data: bytes.toString('base64') },
  );
}

/** Waits until the composer's pending files are all uploaded, then sends `text` with them. */
async function sendWithFiles(page: Page, text: string, count: number): Promise<void> {
  await expect.poll(() => page.getByTestId('pending-file').filter({ hasText: 'Ready' }).count(), { timeout: 30_000 }).toBe(count);
  await send(page, text);
  await expect.poll(() => page.getByTestId('pending-file').count()).toBe(0);
}

describe('encrypted files in the browser', () => {
  it('13: file button, drag-and-drop and paste; inline previews, lightbox by keyboard, video plays, PDF downloads byte-identical; 404 for strangers and the kicked; no canary stored', async () => {
    const canary = `filecanary${randomBytes(12).toString('hex')}`;
    const alice = await suite.pages.newPage();
    const bob = await suite.pages.newPage();
    const { channelUrl } = await communityOfTwo(suite, alice, bob, 'Files', ['alice', 'bob']);
    await bob.goto(channelUrl);
    const fileIds = new Set<string>();
    // The context sees the service worker's requests too (a download is fetched by the worker).
    const fromWorker = new Set<string>();
    bob.context().on('request', (r) => {
      const m = /\/api\/files\/([A-Za-z0-9_-]{22})\/content$/.exec(new URL(r.url()).pathname);
      if (m) fileIds.add(m[1]!);
      if (m && r.serviceWorker()) fromWorker.add(m[1]!);
    });
    await send(alice, 'files follow');
    await expect.poll(() => messageWith(bob, 'files follow').count(), { timeout: 20_000 }).toBe(1);

    // 1. The file button: a 640×480 PNG whose bytes and name carry the canary. Bob's first fetch
    // of a file is held until the test has seen the thumbnail that stands in for it meanwhile.
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let passedOn!: () => void;
    const continued = new Promise<void>((r) => (passedOn = r));
    let holding = 0;
    await bob.route('**/api/files/*/content', async (route) => {
      if (holding++ > 0) return route.continue();
      await held;
      await route.continue();
      passedOn();
    });
    const first = png(640, 480, [200, 30, 30], canary);
    await alice.getByTestId('file-input').setInputFiles({ name: `${canary}-red.png`, mimeType: 'image/png', buffer: first });
    await sendWithFiles(alice, 'a red one', 1);
    const thumb = messageWith(bob, 'a red one').getByTestId('attachment-thumb');
    const drawn = (e: Element) => [(e as HTMLImageElement).complete ? (e as HTMLImageElement).naturalWidth : 0, (e as HTMLImageElement).naturalHeight];
    await expect.poll(() => thumb.evaluate(drawn).catch(() => [0, 0]), { timeout: 30_000 }).toEqual([96, 72]);
    expect(holding).toBe(1);
    expect(await messageWith(bob, 'a red one').getByTestId('attachment-image').count()).toBe(0);
    release();
    await continued;
    await bob.unroute('**/api/files/*/content');
    // 2. Drag-and-drop onto the pane, 3. paste into the composer.
    await transfer(alice, 'drop', 'green.png', 'image/png', png(300, 200, [30, 200, 30], canary));
    await sendWithFiles(alice, 'a green one', 1);
    await transfer(alice, 'paste', 'blue.png', 'image/png', png(200, 300, [30, 30, 200], canary));
    await sendWithFiles(alice, 'a blue one', 1);

    // Bob sees all three decrypted inline, each in a box of its own proportions reserved up front.
    const images = log(bob).getByTestId('attachment-image');
    await expect.poll(() => images.count(), { timeout: 30_000 }).toBe(3);
    await expect.poll(() => images.evaluateAll((els) => els.every((e) => (e as HTMLImageElement).complete && (e as HTMLImageElement).naturalWidth > 0)), { timeout: 30_000 }).toBe(true);
    expect(await images.evaluateAll((els) => els.map((e) => [(e as HTMLImageElement).naturalWidth, (e as HTMLImageElement).naturalHeight]))).toEqual([[640, 480], [300, 200], [200, 300]]);
    const redBox = await messageWith(bob, 'a red one').getByRole('button', { name: /^Open image/ }).boundingBox();
    expect(Math.round((redBox!.width / redBox!.height) * 100) / 100).toBeCloseTo(640 / 480, 1);

    // The lightbox, by keyboard: open the first, arrow to the next two, Escape closes.
    await messageWith(bob, 'a red one').getByRole('button', { name: /^Open image/ }).focus();
    await bob.keyboard.press('Enter');
    const dialog = bob.getByRole('dialog');
    await expect.poll(() => dialog.getByRole('heading').textContent()).toBe(`Image 1 of 3: ${canary}-red.png`);
    await expect.poll(() => dialog.getByTestId('lightbox-image').evaluate((e) => (e as HTMLImageElement).naturalWidth)).toBe(640);
    await bob.keyboard.press('ArrowRight');
    await expect.poll(() => dialog.getByRole('heading').textContent()).toBe('Image 2 of 3: green.png');
    await bob.keyboard.press('ArrowRight');
    await expect.poll(() => dialog.getByRole('heading').textContent()).toBe('Image 3 of 3: blue.png');
    await bob.keyboard.press('+');
    expect(await dialog.getByTestId('lightbox-image').getAttribute('class')).toBe('zoomed');
    await bob.keyboard.press('Escape');
    await expect.poll(() => bob.getByRole('dialog').count()).toBe(0);

    // A video recorded in Alice's page (a real WebM), and a PDF.
    const webm = await alice.evaluate(async () => {
      const canvas = document.createElement('canvas');
      canvas.width = 160;
      canvas.height = 120;
      const g = canvas.getContext('2d')!;
      const recorder = new MediaRecorder(canvas.captureStream(25), { mimeType: 'video/webm' });
      const parts: Blob[] = [];
      recorder.ondataavailable = (e) => parts.push(e.data);
      const stopped = new Promise((r) => (recorder.onstop = r));
      recorder.start();
      for (let i = 0; i < 20; i++) {
        g.fillStyle = `hsl(${i * 18} 80% 50%)`;
        g.fillRect(0, 0, 160, 120);
        await new Promise((r) => setTimeout(r, 40));
      }
      recorder.stop();
      await stopped;
      const bytes = new Uint8Array(await new Blob(parts).arrayBuffer());
      let s = '';
      for (const b of bytes) s += String.fromCharCode(b);
      return btoa(s);
    });
    const pdf = Buffer.from(`%PDF-1.4\n% ${canary}\n${randomBytes(200_000).toString('base64')}\n%%EOF\n`);
    await alice.getByTestId('file-input').setInputFiles([
      { name: 'clip.webm', mimeType: 'video/webm', buffer: Buffer.from(webm, 'base64') },
      { name: `${canary}-report.pdf`, mimeType: 'application/pdf', buffer: pdf },
    ]);
    await sendWithFiles(alice, 'a clip and a report', 2);
    const message = messageWith(bob, 'a clip and a report');
    await expect.poll(() => message.getByTestId('attachment-video').count(), { timeout: 30_000 }).toBe(1);
    const played = await message.getByTestId('attachment-video').evaluate(async (v) => {
      const video = v as HTMLVideoElement;
      video.muted = true;
      await video.play();
      const start = performance.now();
      while (video.currentTime === 0 && performance.now() - start < 15_000) await new Promise((r) => setTimeout(r, 50));
      return video.currentTime;
    });
    expect(played).toBeGreaterThan(0);
    await expect.poll(() => message.getByTestId('file-card').count()).toBe(1);
    const [download] = await Promise.all([bob.waitForEvent('download'), message.getByRole('button', { name: `Download ${canary}-report.pdf` }).click()]);
    expect(download.suggestedFilename()).toBe(`${canary}-report.pdf`);
    expect(Buffer.compare(readFileSync((await download.path())!), pdf)).toBe(0);
    // Saved through the service worker, which streamed and decrypted it into the download
    // (nothing gathered the file in the page).
    expect(fromWorker.size).toBe(1);

    // Deleting a message deletes its files from the server's store.
    const stored = () => filesUnder(join(suite.server.dataDir, 'blobs', 'files')).length;
    const before = stored();
    await messageWith(alice, 'a blue one').getByRole('button', { name: 'Delete message' }).click();
    await messageWith(alice, 'a blue one').getByRole('button', { name: 'Confirm delete' }).click();
    await expect.poll(stored, { timeout: 20_000 }).toBe(before - 1);
    await expect.poll(() => log(bob).getByTestId('attachment-image').count(), { timeout: 20_000 }).toBe(2);

    // A moderator's delete takes the files too: the owner deletes Bob's message from its toolbar,
    // and her device, which read the file's id in the message, deletes the file.
    const beforeBobs = stored();
    await bob.getByTestId('file-input').setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from(`notes ${randomBytes(2_000).toString('hex')}`) });
    await sendWithFiles(bob, 'notes from bob', 1);
    await expect.poll(stored, { timeout: 20_000 }).toBe(beforeBobs + 1);
    const bobs = messageWith(alice, 'notes from bob');
    await expect.poll(() => bobs.getByTestId('file-card').count(), { timeout: 30_000 }).toBe(1);
    await bobs.getByRole('button', { name: 'Delete message' }).click();
    await bobs.getByRole('button', { name: 'Confirm delete' }).click();
    await expect.poll(stored, { timeout: 20_000 }).toBe(beforeBobs);
    await expect.poll(() => messageWith(bob, 'notes from bob').count(), { timeout: 20_000 }).toBe(0);

    // A reload keeps everything (decrypted again on this device).
    await bob.reload();
    await expect.poll(() => log(bob).getByTestId('attachment-image').count(), { timeout: 30_000 }).toBe(2);
    await expect.poll(() => log(bob).getByTestId('attachment-video').count(), { timeout: 30_000 }).toBe(1);

    // The blob is the conversation's: a stranger gets 404 for it, a member 200, and the same
    // member 404 once kicked (through the API, with the ids Bob's page fetched).
    expect(fileIds.size).toBeGreaterThanOrEqual(5);
    const id = [...fileIds][0]!;
    const stranger = await registerUser(suite.server, `stranger${randomBytes(3).toString('hex')}`);
    const dave = await registerUser(suite.server, `dave${randomBytes(3).toString('hex')}`);
    await alice.getByRole('button', { name: 'Invite', exact: true }).click();
    await alice.getByRole('button', { name: 'Create invite link' }).click();
    const code = new URL(await alice.getByTestId('invite-link').inputValue()).hash.split('/').pop()!;
    await alice.getByRole('dialog').getByRole('button', { name: 'Close' }).click();
    expect((await call(suite.server, dave, 'POST', `/api/community-invites/${code}/join`)).status).toBeLessThan(300);
    const blob = (user: TestUser) => fetch(`${suite.server.url}/api/files/${id}/content`, { headers: { Authorization: `Bearer ${user.accessToken}` } }).then((r) => r.status);
    expect(await blob(stranger)).toBe(404);
    expect(await blob(dave)).toBe(200);
    await alice.getByRole('button', { name: `Kick ${dave.username}` }).click();
    await alice.getByRole('button', { name: `Confirm: remove ${dave.username} from the community` }).click();
    await expect.poll(() => blob(dave), { timeout: 20_000 }).toBe(404);
    // Settings shows how much of the quota the files take.
    await alice.goto(`${suite.server.url}/#/settings/profile`);
    await expect.poll(() => alice.getByTestId('storage-used').textContent(), { timeout: 20_000 }).toMatch(/^Your files take [\d.,]+ (KB|MB) of 1\.1 GB on this server\.$/);
    expect(await alice.getByRole('meter', { name: 'Storage used' }).count()).toBe(1);
    expect(suite.pages.problems).toEqual([]);

    // No canary of the files' bytes or names anywhere the server keeps data.
    await suite.server.kill();
    expectNoCanaries(suite.server.dataDir, [canary]);
  }, 240_000);
});

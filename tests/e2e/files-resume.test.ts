/**
 * Issue #13 item 2 ("an interrupted upload resumes where it stopped after a reconnect or reload"),
 * in Chromium against `npm start`: Alice's upload of a multi-part file stalls on its fourth part
 * and she reloads the page. The composer lists the unfinished upload; she picks the file again,
 * and only the parts the server lacks are sent. Picking a different file of the same name and
 * size is refused before anything is sent (the same nonces never carry other bytes). Bob
 * downloads the file and it is byte-identical. The server runs on PostgreSQL here; afterwards
 * neither its data directory nor a dump of its database holds the canary in the file's name
 * and bytes.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Route } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { FILE_PART_BYTES } from '../../protocol/files';
import { dumpDatabase } from '../setup/postgres';
import { communityOfTwo, expectNoCanaries, expectNoCanariesInDatabase, messageWith, postgresBrowserSuite, send } from './helpers';

// On PostgreSQL: the canary check below also searches a dump of the database.
const suite = postgresBrowserSuite();

describe('resuming an upload', () => {
  it('13.2: a reload in the middle of an upload; picking the file again sends only what the server lacks, and the file arrives byte-identical', async () => {
    const alice = await suite.pages.newPage();
    const bob = await suite.pages.newPage();
    const { channelUrl } = await communityOfTwo(suite, alice, bob, 'Resume', ['alice', 'bob']);
    await bob.goto(channelUrl);
    const canary = `resumecanary${randomBytes(10).toString('hex')}`;
    const bytes = Buffer.concat([Buffer.from(`${canary}\n`), randomBytes(5 * FILE_PART_BYTES + 12345), Buffer.from(`\n${canary}`)]);
    const name = `${canary}.bin`;
    const file = { name, mimeType: 'application/octet-stream', buffer: bytes };

    // Part 3 never reaches the server (the first try hangs, any other fails): the upload stalls
    // there, with parts 0–2 stored, and the page is reloaded meanwhile.
    let held: Route | null = null;
    await alice.route('**/api/files/*/parts/3', (route) => (held ? route.abort() : void (held = route)));
    await alice.getByTestId('file-input').setInputFiles(file);
    await expect.poll(() => held !== null, { timeout: 30_000 }).toBe(true);
    await alice.reload();
    await alice.unroute('**/api/files/*/parts/3');

    // After the reload the composer offers to go on with it.
    const unfinished = alice.getByTestId('interrupted-upload');
    await expect.poll(() => unfinished.count(), { timeout: 20_000 }).toBe(1);
    expect(await unfinished.innerText()).toContain(name);

    // Another file of the same name and size is refused before any part is sent.
    const parts: number[] = [];
    alice.on('request', (r) => {
      const m = /\/api\/files\/[^/]+\/parts\/(\d+)$/.exec(r.url());
      if (m && r.method() === 'PUT') parts.push(Number(m[1]));
    });
    await alice.getByLabel(`Choose ${name} again to resume its upload`).setInputFiles({ ...file, buffer: randomBytes(bytes.length) });
    await expect.poll(() => alice.getByRole('alert').filter({ hasText: 'is not the file that upload started with' }).count(), { timeout: 20_000 }).toBe(1);
    expect(parts).toEqual([]);
    await expect.poll(() => unfinished.count(), { timeout: 20_000 }).toBe(1);

    // The same file: only parts 3, 4 and 5 go.
    await alice.getByLabel(`Choose ${name} again to resume its upload`).setInputFiles(file);
    await expect.poll(() => alice.getByTestId('pending-file').filter({ hasText: 'Ready' }).count(), { timeout: 30_000 }).toBe(1);
    expect(parts).toEqual([3, 4, 5]);
    expect(await unfinished.count()).toBe(0);
    await send(alice, 'the recording, resumed');

    // Bob downloads it: byte for byte what Alice picked.
    const message = messageWith(bob, 'the recording, resumed');
    await expect.poll(() => message.getByRole('button', { name: `Download ${name}` }).count(), { timeout: 20_000 }).toBe(1);
    const [download] = await Promise.all([bob.waitForEvent('download'), message.getByRole('button', { name: `Download ${name}` }).click()]);
    expect(Buffer.compare(readFileSync((await download.path())!), bytes)).toBe(0);
    expect(suite.pages.problems.filter((p) => !/parts\/3|ERR_ABORTED|net::/.test(p))).toEqual([]);

    // V1 for files: the name and the bytes' canary are nowhere the server keeps anything.
    await suite.server.kill();
    expectNoCanaries(suite.server.dataDir, [canary]);
    expect(await dumpDatabase(suite.databaseUrl())).toContain('-- files (1 rows)');
    await expectNoCanariesInDatabase(suite.databaseUrl(), [canary]);
  });
});

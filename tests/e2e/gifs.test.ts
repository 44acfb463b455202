/**
 * Issue #15 item 7, in the browser: with a GIF service configured (a fake Tenor on 127.0.0.2,
 * tests/hardening/gifs.test.ts), Alice searches in the GIF picker and picks one; it is sent as an
 * encrypted attachment and Bob sees it as an image. The fake service's log shows the server's
 * requests only: neither browser ever contacted it.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { browserSuite, communityOfTwo, messageWith, seriousViolations } from './helpers';
import { fakeTenor, TENOR_KEY } from '../helpers/fakeTenor';

let tenor: Awaited<ReturnType<typeof fakeTenor>>;
const suite = browserSuite(async () => {
  tenor = await fakeTenor();
  return { GIF_API_KEY: TENOR_KEY, CHATALOT_TEST_GIF_API: `${tenor.base}/v2` };
});
afterAll(() => tenor?.server.close());

describe('GIF search in the browser', () => {
  it('15.7: search, pick, send encrypted; the receiver shows it; only the server talked to the GIF service', async () => {
    const alice = await suite.pages.newPage();
    const bob = await suite.pages.newPage();
    const { channelUrl } = await communityOfTwo(suite, alice, bob, 'Gifs', ['alice', 'bob']);
    await bob.goto(channelUrl);
    const browsers: string[] = [];
    for (const page of [alice, bob]) page.context().on('request', (r) => r.url().startsWith(tenor.base) && browsers.push(r.url()));

    await alice.getByRole('button', { name: 'Choose a GIF' }).click();
    const picker = alice.getByRole('dialog', { name: 'Choose a GIF' });
    await picker.getByLabel('Search GIFs').fill('cats');
    const first = picker.getByRole('button', { name: 'cats number 1' });
    await expect.poll(() => first.locator('img').count(), { timeout: 20_000 }).toBe(1);
    expect(await picker.getByRole('listitem').count()).toBe(3);
    expect(await seriousViolations(alice)).toEqual([]);
    await first.click();
    await expect.poll(() => alice.getByTestId('pending-file').filter({ hasText: 'Ready' }).count(), { timeout: 30_000 }).toBe(1);
    await alice.locator('#composer-input').fill('look at this');
    await alice.locator('#composer-input').press('Enter');
    const img = messageWith(bob, 'look at this').getByTestId('attachment-image');
    await expect.poll(() => img.evaluate((e) => (e as HTMLImageElement).complete && (e as HTMLImageElement).naturalWidth > 0), { timeout: 30_000 }).toBe(true);
    expect(browsers).toEqual([]);
    expect(tenor.log.every((l) => !l.agent.includes('Mozilla'))).toBe(true);
    expect(tenor.log.filter((l) => l.path === '/v2/search').length).toBeGreaterThan(0);
    expect(suite.pages.problems).toEqual([]);
  }, 240_000);
});

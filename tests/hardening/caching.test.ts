/**
 * Hardening #11.12 (ASVS 14.2.2): every /api answer is `Cache-Control: no-store` unless a route
 * says otherwise — signed-in GETs such as /api/devices, /api/users/{id}/devices and
 * /api/key-backup/status lacked it. Checked over every GET route in the manifest, signed in,
 * whatever the status (a 404 or 403 must not be cached either).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTES } from '../../worker/routes/manifest';
import { registerUser, type TestUser } from '../helpers/accounts';
import { startServer, type RunningServer } from '../helpers/server';

describe('#11.12 no-store on every API answer', () => {
  let server: RunningServer;
  let user: TestUser;
  beforeAll(async () => {
    server = await startServer({ env: { REGISTRATION_MODE: 'open' } });
    user = await registerUser(server, `cache${Date.now() % 100000}`);
  });
  afterAll(() => server?.kill());

  it.each(ROUTES.filter((r) => r.method === 'GET' && r.path.startsWith('/api/')).map((r) => [r.path]))('I9 GET %s answers with Cache-Control: no-store', async (path) => {
    const concrete = path.replace('{id}', user.id).replace('{username}', user.username).replace(/\{[^}]+\}/g, 'x0000000000000000000000');
    const res = await fetch(`${server.url}${concrete}`, { headers: { Authorization: `Bearer ${user.accessToken}` } });
    await res.arrayBuffer();
    expect(res.headers.get('Cache-Control'), `${concrete} → ${res.status}`).toBe('no-store');
  });
});

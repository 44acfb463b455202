/** HSTS only over TLS, and a proxy's word for TLS only when TRUST_PROXY says to believe it (I9). */
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { securityHeaders } from './securityHeaders';

function app(trustProxy: boolean) {
  const a = new Hono();
  a.use('*', securityHeaders({ trustProxy }));
  a.get('*', (c) => c.text('ok'));
  return a;
}

describe('securityHeaders', () => {
  it('I9: HSTS for https requests, for at least a year with subdomains', async () => {
    const res = await app(false).request('https://chat.example.org/');
    expect(res.headers.get('strict-transport-security')).toBe('max-age=31536000; includeSubDomains');
  });

  it('I9: X-Forwarded-Proto counts only with TRUST_PROXY', async () => {
    const headers = { 'X-Forwarded-Proto': 'https' };
    expect((await app(false).request('http://chat.example.org/', { headers })).headers.get('strict-transport-security')).toBeNull();
    expect((await app(true).request('http://chat.example.org/', { headers })).headers.get('strict-transport-security')).toMatch(/max-age=31536000/);
  });
});

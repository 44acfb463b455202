/**
 * Z1: the route manifest and the app agree exactly, so every route is documented in OpenAPI and
 * covered by the authorization matrix; docs/openapi.json is the current document.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createApp } from '../worker/app';
import { ROUTES } from '../worker/routes/manifest';
import { openApiDocument } from '../worker/routes/openapi';
import { ROOT } from '../scripts/build.mjs';

describe('route manifest', () => {
  it('Z1: every route the app serves is in the manifest, and every manifest route exists', () => {
    const served = createApp()
      .routes.filter((r) => r.method !== 'ALL' && r.path !== '/*')
      .map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, '{$1}')}`);
    const listed = ROUTES.map((r) => `${r.method} ${r.path}`);
    expect([...new Set(served)].sort()).toEqual([...new Set(listed)].sort());
  });

  it('docs/openapi.json is generated from the current manifest (run npm run docs)', () => {
    const committed = JSON.parse(readFileSync(join(ROOT, 'docs/openapi.json'), 'utf8'));
    const version = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;
    expect(committed).toEqual(JSON.parse(JSON.stringify(openApiDocument(version))));
  });

  it('request bodies are described by their schemas', () => {
    const doc = openApiDocument('test') as { paths: Record<string, Record<string, { requestBody?: { content: { 'application/json': { schema: { properties: Record<string, unknown>; additionalProperties?: unknown } } } } }>> };
    const register = doc.paths['/api/auth/register']!.post!.requestBody!.content['application/json'].schema;
    expect(Object.keys(register.properties)).toEqual(expect.arrayContaining(['username', 'password', 'recoveryVerifier', 'inviteCode']));
  });
});

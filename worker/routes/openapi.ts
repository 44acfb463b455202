/**
 * Builds the OpenAPI 3.1 document from the route manifest and the valibot request schemas
 * (through @valibot/to-json-schema), and serves it at /api/openapi.json.
 */
import { Hono } from 'hono';
import { toJsonSchema } from '@valibot/to-json-schema';
import type { AppEnv } from '../app';
import { ERROR_STATUS } from '../../protocol/errors';
import { ROUTES } from './manifest';

const ERROR_BODY = {
  type: 'object',
  required: ['error'],
  properties: { error: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string' }, message: { type: 'string' } } } },
};

export function openApiDocument(version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of ROUTES) {
    const responses: Record<string, unknown> = { [String(r.status)]: { description: 'Success' } };
    const errorStatuses = new Set<number>([400, 429, 503]);
    if (r.access !== 'public') errorStatuses.add(401);
    if (r.access === 'admin') errorStatuses.add(403);
    for (const code of r.errors ?? []) errorStatuses.add(code in ERROR_STATUS ? ERROR_STATUS[code as keyof typeof ERROR_STATUS] : code.startsWith('invite_') ? 403 : 401);
    for (const status of [...errorStatuses].sort()) {
      responses[String(status)] = { description: `Error (codes: ${[...(r.errors ?? []), 'validation_failed', 'rate_limited', 'storage_unavailable'].join(', ')})`, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
    }
    const params = [...r.path.matchAll(/\{(\w+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
    (paths[r.path] ??= {})[r.method.toLowerCase()] = {
      summary: r.summary,
      tags: [r.tag],
      ...(params.length ? { parameters: params } : {}),
      ...(r.access !== 'public' ? { security: [{ bearer: [] }] } : {}),
      ...(r.body ? { requestBody: { required: true, content: { 'application/json': { schema: toJsonSchema(r.body, { errorMode: 'ignore' }) } } } } : {}),
      responses,
      'x-access': r.access,
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Chatalot API', version, description: 'REST API of a Chatalot server. Message content travels end-to-end encrypted over WebSockets (docs/protocol.md); nothing here carries plaintext.' },
    paths,
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT (EdDSA)' } }, schemas: { Error: ERROR_BODY } },
  };
}

export const openApiRoutes = new Hono<AppEnv>().get('/openapi.json', (c) => c.json(openApiDocument(c.env.CHATALOT_VERSION ?? '0.1.0')));

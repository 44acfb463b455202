/**
 * The single place errors become responses: ApiError keeps its code and status, a StorageError
 * maps to the status its code means (503 while the database is away), and anything else is a
 * bug, logged and answered with a plain 500 that carries no stack trace.
 */
import type { Context } from 'hono';
import { ApiError, ERROR_STATUS, type ErrorCode } from '../../protocol/errors';
import { isStorageError } from '../storage/StorageError';
import { log, reason } from '../observability/log';
import { metrics } from '../observability/metrics';

const STORAGE_TO_API: Record<string, ErrorCode> = {
  conflict: 'conflict',
  not_found: 'not_found',
  invite_exhausted: 'forbidden',
  invite_expired: 'forbidden',
  invite_revoked: 'forbidden',
  unavailable: 'storage_unavailable',
  migration_failed: 'storage_unavailable',
};

/** The body of every error answer: `{ error: { code, message } }`. */
export function errorBody(code: ErrorCode | string, message: string): { error: { code: string; message: string } } {
  return { error: { code, message } };
}

export function errorResponse(code: ErrorCode | string, message: string, status: number): Response {
  return Response.json(errorBody(code, message), { status });
}

export function onError(err: Error, _c: Context): Response {
  if (err instanceof ApiError) {
    const res = errorResponse(err.code, err.message, err.status);
    if (err.code === 'rate_limited') res.headers.set('Retry-After', '1');
    return res;
  }
  if (isStorageError(err)) {
    if (STORAGE_TO_API[err.code] === 'storage_unavailable') metrics.storageErrors.inc({ where: 'api' });
    const api = STORAGE_TO_API[err.code];
    if (api) {
      // Invite refusals keep their specific code so a client can say which one it was.
      const code = err.code.startsWith('invite_') ? err.code : api;
      const message = api === 'storage_unavailable' ? 'the database is unavailable; try again shortly' : err.message;
      return errorResponse(code, message, ERROR_STATUS[api]);
    }
  }
  log.error('unhandled_error', { error: reason(err) });
  return errorResponse('internal', 'internal error', 500);
}

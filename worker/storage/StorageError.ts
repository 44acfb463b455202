/**
 * Errors a storage back end may raise, in one vocabulary for all three.
 *
 * Each executor translates its driver's failures (SQLite's "UNIQUE constraint failed",
 * PostgreSQL's SQLSTATE 23505, a refused TCP connection) into these codes, so routes never
 * look at driver messages. Messages name the operation, never the values involved.
 */

export type StorageErrorCode =
  /** A unique key already holds this value (a username, an invite code). */
  | 'conflict'
  /** The row the operation needs does not exist. */
  | 'not_found'
  /** An invite exists but has no uses left. */
  | 'invite_exhausted'
  /** An invite exists but its expiry has passed. */
  | 'invite_expired'
  /** An invite exists but was revoked. */
  | 'invite_revoked'
  /** The database cannot be reached or refused the connection. */
  | 'unavailable'
  /** A migration failed; the database was left as it was before it. */
  | 'migration_failed'
  /** Anything else: a bug or a corrupt database. */
  | 'internal';

export class StorageError extends Error {
  override readonly name = 'StorageError';
  constructor(
    readonly code: StorageErrorCode,
    message: string,
    readonly operation?: string,
  ) {
    super(message);
  }
}

/** True when `e` is a StorageError (also across module copies, by shape). */
export function isStorageError(e: unknown): e is StorageError {
  return e instanceof StorageError || (e instanceof Error && e.name === 'StorageError' && typeof (e as StorageError).code === 'string');
}

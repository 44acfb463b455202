/**
 * Loads the published vectors from ../shared/vectors beside the repository (CI places shared/
 * next to the clone; locally the repo is /work/main and the vectors are /work/shared/vectors).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (two levels above this file). */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Parses `../shared/vectors/<name>` relative to the repository root. */
export function loadSharedVector<T>(name: string): T {
  return JSON.parse(readFileSync(path.resolve(repoRoot, '..', 'shared', 'vectors', name), 'utf8')) as T;
}

/** Hex to bytes (test data only). */
export function hex(h: string): Uint8Array {
  return Uint8Array.from(Buffer.from(h, 'hex'));
}

/**
 * Stand-alone Vitest config for the crypto core and its vectors: no global setup (the crypto core
 * needs no server), so these tests run while other parts of the tree are mid-edit.
 * Run: npx vitest run --config client/src/crypto/vitest.config.ts
 */
import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

export default defineConfig({
  root: fileURLToPath(new URL('../../..', import.meta.url)),
  test: {
    include: ['client/src/crypto/**/*.test.ts', 'tests/vectors/**/*.test.ts'],
    testTimeout: 60_000,
    pool: 'forks',
  },
});

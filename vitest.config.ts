import { defineConfig } from 'vitest/config';
import { readFileSync } from 'node:fs';

/** Loads `*.sql` files as text, as wrangler's and esbuild's Text rules do for the worker bundle. */
const sqlAsText = {
  name: 'sql-as-text',
  transform(_code: string, id: string) {
    if (!id.endsWith('.sql')) return null;
    return { code: `export default ${JSON.stringify(readFileSync(id, 'utf8'))};`, map: null };
  },
};

export default defineConfig({
  plugins: [sqlAsText],
  test: {
    include: ['protocol/**/*.test.ts', 'worker/**/*.test.ts', 'durable-objects/**/*.test.ts', 'client/src/**/*.test.ts', 'tests/**/*.test.ts'],
    exclude: ['node_modules/**', 'dist/**', 'tests/e2e/**'],
    globalSetup: ['tests/setup/global.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});

import { defineConfig } from 'vitest/config';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';

/** Loads `*.sql` and `*.txt` files as text, as wrangler's and esbuild's Text rules do for the worker bundle. */
const textFiles = {
  name: 'text-files',
  transform(_code: string, id: string) {
    if (!/\.(sql|txt)$/.test(id)) return null;
    return { code: `export default ${JSON.stringify(readFileSync(id, 'utf8'))};`, map: null };
  },
};

/**
 * Loads `*.wasm` as a compiled WebAssembly.Module, as workerd's CompiledWasm modules are. The
 * package that ships it is inlined so vitest transforms the import instead of handing it to Node.
 */
const require = createRequire(import.meta.url);
const wasmModules = {
  name: 'wasm-modules',
  enforce: 'pre' as const,
  resolveId(source: string, importer: string | undefined) {
    if (!source.endsWith('.wasm')) return null;
    const path = source.startsWith('.') && importer ? resolve(dirname(importer), source) : require.resolve(source);
    return `${path}?module`;
  },
  load(id: string) {
    if (!id.endsWith('.wasm?module')) return null;
    const path = id.slice(0, -'?module'.length);
    return `import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path'; export default new WebAssembly.Module(readFileSync(${JSON.stringify(path)}));`;
  },
};

export default defineConfig({
  plugins: [textFiles, wasmModules],
  test: {
    include: ['protocol/**/*.test.ts', 'worker/**/*.test.ts', 'durable-objects/**/*.test.ts', 'client/src/**/*.test.ts', 'tests/**/*.test.ts'],
    // The browser suite and the Docker image have their own configs and npm scripts (test:browser, test:docker).
    exclude: ['node_modules/**', 'dist/**', 'tests/e2e/**', 'tests/docker/**'],
    globalSetup: ['tests/setup/global.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: 'forks',
    server: { deps: { inline: [/argon2id/] } },
  },
});

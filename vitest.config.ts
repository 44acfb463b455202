import { defineConfig } from 'vitest/config';
import { readFileSync } from 'node:fs';

/** Loads `*.sql` and `*.txt` files as text, as wrangler's and esbuild's Text rules do for the worker bundle. */
const textFiles = {
  name: 'text-files',
  transform(_code: string, id: string) {
    if (!/\.(sql|txt)$/.test(id)) return null;
    return { code: `export default ${JSON.stringify(readFileSync(id, 'utf8'))};`, map: null };
  },
};

/** Loads `*.wasm` as a compiled WebAssembly.Module, as workerd's CompiledWasm modules are. */
const wasmModules = {
  name: 'wasm-modules',
  enforce: 'pre' as const,
  load(id: string) {
    if (!id.endsWith('.wasm')) return null;
    return `import { readFileSync } from 'node:fs'; export default new WebAssembly.Module(readFileSync(${JSON.stringify(id)}));`;
  },
};

export default defineConfig({
  plugins: [textFiles, wasmModules],
  test: {
    include: ['protocol/**/*.test.ts', 'worker/**/*.test.ts', 'durable-objects/**/*.test.ts', 'client/src/**/*.test.ts', 'tests/**/*.test.ts'],
    exclude: ['node_modules/**', 'dist/**', 'tests/e2e/**'],
    globalSetup: ['tests/setup/global.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});

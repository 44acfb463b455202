import { defineConfig } from 'vitest/config';
import base from '../../vitest.config';

/** The long simulation run (`npm run sim`): the root config's plugins and setup, but only tests/sim/*.sim.ts and no per-test time limit. */
export default defineConfig({
  ...base,
  test: { ...base.test, include: ['tests/sim/**/*.sim.ts'], exclude: ['node_modules/**'], testTimeout: 0 },
});

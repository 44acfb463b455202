import { defineConfig } from 'vitest/config';

/** Browser tests: Debian's Chromium driven by playwright-core against the real `npm start`. */
export default defineConfig({
  test: {
    include: ['tests/e2e/**/*.test.ts'],
    globalSetup: ['tests/setup/global.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    fileParallelism: false,
    // A state in the browser is waited for, not read once: vitest's default of one second for
    // expect.poll is shorter than a re-render takes on a loaded 2-core CI machine (message-list
    // read a row mid-update after an ack at e2132ec). Failing still fails, ten seconds later.
    expect: { poll: { timeout: 10_000 } },
  },
});

import { defineConfig } from 'vitest/config';

/**
 * The Docker image (issue #19 item 9), built and run: `npm run test:docker`, the last step of
 * .ci/run. It needs root, a Docker engine (dockerd, which it starts when none answers) and
 * debootstrap; it is not part of `npm test`.
 */
export default defineConfig({
  test: {
    include: ['tests/docker/**/*.test.ts'],
    testTimeout: 300_000,
    hookTimeout: 1_800_000,
    pool: 'forks',
    fileParallelism: false,
  },
});

import { defineConfig } from 'vitest/config';

// Files run one at a time: most start real processes (sandbox, Postgres, python workers) on 2 cores.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 120_000,
    pool: 'forks',
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/vitest.json' }, // read by .ci/run for its closing line
  },
});

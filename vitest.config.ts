import { defineConfig } from 'vitest/config';

// Two files at a time on 2 cores: most start real processes (sandbox, Postgres, python workers) and spend
// much of their time waiting on them (latency faults, stall windows, a terminal's frames), so a second file
// fills the wait; the tests hold on a busy machine (each checks only the processes it started).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    fileParallelism: true,
    maxWorkers: 2,
    minWorkers: 1,
    testTimeout: 180_000,
    hookTimeout: 120_000,
    pool: 'forks',
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/vitest.json' }, // read by .ci/run for its closing line
  },
});

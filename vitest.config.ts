import { defineConfig } from 'vitest/config';

// Two files at a time on 2 cores: most start real processes (sandbox, Postgres, python workers) and spend
// much of their time waiting on them (latency faults, stall windows, a terminal's frames), so a second file
// fills the wait; the tests hold on a busy machine (each checks only the processes it started). The real
// legacy engine's files run after them, one at a time: its python workers are CPU-bound, and beside another
// file a 20 s run took over 3 minutes.
export default defineConfig({
  test: {
    testTimeout: 180_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
    minWorkers: 1,
    // The CLI the tests start runs the sources being tested, not a dist/ that npm install built earlier
    // (bin/noetl-loadrun.js); the packed package's tests run its dist/ (it has no sources).
    env: { NOETL_LOADRUN_FROM_SOURCE: '1' },
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/vitest.json' }, // read by .ci/run for its closing line
    projects: [
      {
        extends: true,
        test: {
          name: 'tool',
          include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
          exclude: ['test/real-engine/**'],
          fileParallelism: true,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'real-engine',
          include: ['test/real-engine/**/*.test.ts'],
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});

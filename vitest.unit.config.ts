import { defineConfig } from 'vitest/config';

// The fast tier (`npm run test:unit`, under a minute): tests that start no process, server, database or
// browser — the rules, parsers, renderers and the architecture checks. `npm test` runs these and the rest.
export default defineConfig({
  test: {
    include: [
      'test/architecture.test.ts',
      'test/client-unit.test.ts',
      'test/databases-unit.test.ts',
      'test/diagnosis-real-format.test.ts',
      'test/jinja.test.ts',
      'test/keymap.test.ts',
      'test/missing-items.test.ts',
      'test/narrow.test.ts',
      'test/report-writer.test.ts',
      'test/releases-unit.test.ts',
      'test/retry-delay.test.ts',
      'test/stall.test.ts',
      'test/sweep-unit.test.ts',
      'test/trail.test.ts',
      'test/bad-options.test.ts',
      'test/patches.test.ts',
      'test/ink-caches.test.tsx',
      'test/tui-components.test.tsx',
      'test/width-cache.test.tsx',
    ],
    testTimeout: 30_000,
  },
});

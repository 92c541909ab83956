// Mutation testing of the safety core: `npm run mutate` (docs/testing.md, "Mutation testing").
// Narrow a run with `npm run mutate -- --mutate src/sync/plan.ts`.

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: {
    // Only the tests that import the mutated modules (a spawned CLI runs dist/, never a mutant).
    configFile: 'vitest.mutate.config.ts',
    related: false,
  },
  coverageAnalysis: 'perTest',
  mutate: [
    'src/sync/**/*.ts',
    '!src/sync/**/*.test.ts',
    'src/secrets/**/*.ts',
    '!src/secrets/**/*.test.ts',
    'src/core/atomic-write.ts',
    'src/git/write.ts',
    'src/git/ref-lock.ts',
    // The secret masking of drift and sync reports, not the rest of the renderer.
    'src/cli/render/drift.ts:60-110',
    'src/cli/render/drift.ts:215-250',
  ],
  // The sandbox is a copy of the project inside it, so tsconfig.json needs no rewriting; and
  // Stryker's rewrite needs the JavaScript API of TypeScript 5, which TypeScript 7 does not have.
  // Pointing it at a file that does not exist turns the rewrite off.
  tsconfigFile: 'tsconfig.none.json',
  ignorePatterns: ['reports', 'bench/.work', 'demo', 'out', '.tagway'],
  incremental: true,
  incrementalFile: 'reports/stryker-incremental.json',
  reporters: ['clear-text', 'html', 'json', 'progress'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  // One test process: the other core stays free (CI runners have two as well).
  concurrency: 1,
  timeoutMS: 10_000,
  // The target is 80 % (docs/testing.md); a run reports its score, it does not fail below it.
  thresholds: { high: 90, low: 80, break: null },
  tempDirName: '.stryker-tmp',
};

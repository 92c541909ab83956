import { defineConfig } from 'vitest/config';

/**
 * The tests that exercise the safety core, for mutation runs (stryker.config.json): they import
 * the mutated modules directly. Tests that spawn the built CLI run dist/, which a mutant never
 * reaches, so they are left out; so are the end-to-end scenarios.
 */
export default defineConfig({
  test: {
    include: [
      'src/sync/**/*.test.ts',
      'src/secrets/**/*.test.ts',
      'src/diff/group.test.ts',
      'src/git/write*.test.ts',
      'src/git/tags.test.ts',
      'src/cli/render/sync.test.ts',
      'src/cli/render/drift.test.ts',
      'test/atomic-write.test.ts',
      'test/sync-apisix.test.ts',
      'test/sync-standalone.test.ts',
      'test/sync-concurrent.test.ts',
      'test/sync-fleet.test.ts',
      'test/extra-kind.test.ts',
      'test/versions-publish.test.ts',
      'test/health-checks.test.ts',
      'test/agent-checks.test.ts',
    ],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});

/**
 * `validate` checks the worktree's templates as the next versions: what APISIX would reject in an
 * edited, not yet published template is reported on the pull request.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCompile, runValidate } from '../src/app/compile.js';
import { makeExampleRepo } from './support/example-repo.js';
import type { TempRepo } from './support/git-repo.js';

let repo: TempRepo;
beforeAll(() => {
  repo = makeExampleRepo();
  const template = repo.read('services/orders/service.yaml').replace('hash_on: header\n  key: X-Customer-Id', 'hash_on: cookie\n  key: "X Customer"');
  repo.write('services/orders/service.yaml', template);
});
afterAll(() => repo.cleanup());

describe('validate and drafts', () => {
  it('reports an APISIX rejection in an edited template', async () => {
    const result = await runValidate({ cwd: repo.dir });
    expect(result.ok).toBe(false);
    expect(result.diagnostics.map((d) => [d.code, d.file])).toContainEqual(['TW4001', 'services/orders/service.yaml']);
  });

  it('while compile of the published versions is not blocked by it', async () => {
    const outcome = await runCompile({ cwd: repo.dir, outDir: 'out-compile' });
    expect(outcome.ok).toBe(true);
  });
});

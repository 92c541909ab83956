/**
 * The diff between two revisions shows a group's consumers and consumer groups as objects of
 * their own (the example's consumer group is shared by both groups).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDiff } from '../src/app/diff.js';
import { renderDiffMarkdown } from '../src/diff/render-markdown.js';
import { renderDiffText } from '../src/diff/render-text.js';
import { makeExampleRepo } from './support/example-repo.js';
import type { TempRepo } from './support/git-repo.js';

const G = 'gateway-groups/staging';
const SHARED = 'gateway-groups/_shared';

describe('diff of consumers between revisions', () => {
  let repo: TempRepo;
  beforeAll(() => {
    repo = makeExampleRepo();
    repo.git('branch', '-M', 'main');
    repo.git('checkout', '--quiet', '-b', 'change');
    repo.write(`${G}/consumers/ops.yaml`, 'plugins:\n  basic-auth:\n    username: ops\n    password: env:OPS_PASSWORD\n');
    repo.write(`${SHARED}/consumer-groups/mobile-apps.yaml`, repo.read(`${SHARED}/consumer-groups/mobile-apps.yaml`).replace('count: 600', 'count: 300'));
    repo.commit('add an ops consumer; halve the mobile rate limit');
  });
  afterAll(() => repo.cleanup());

  it('lists the consumer added and the consumer group changed, field by field', async () => {
    const { ok, report } = await runDiff({ cwd: repo.dir, from: 'main', to: 'HEAD' });
    expect(ok).toBe(true);
    const staging = report!.groups.find((g) => g.group === 'staging')!;
    expect(staging.status).toBe('changed');
    expect(staging.services).toEqual([]);
    const objects = staging.groupObjects;
    expect(objects.map((o) => [o.change, o.kind, o.id])).toEqual([
      ['changed', 'consumer_groups', 'mobile-apps'],
      ['added', 'consumers', 'ops'],
    ]);
    expect(objects[0]!.fields.map((f) => f.path)).toEqual(['/plugins/limit-count/count']);
    const text = renderDiffText(report!);
    expect(text).toContain('consumer ops');
    expect(text).toContain('consumer group mobile-apps');
    expect(renderDiffMarkdown(report!)).toContain('added consumer `ops`');
    // The consumer group is shared: production, which includes it too, changed with it.
    const production = report!.groups.find((g) => g.group === 'production')!;
    expect(production.groupObjects.map((o) => [o.change, o.kind, o.id])).toEqual([['changed', 'consumer_groups', 'mobile-apps']]);
  });
});

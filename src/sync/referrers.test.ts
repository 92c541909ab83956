import { describe, expect, it } from 'vitest';
import { canonicalJson, sha256Digest } from '../core/canonical.js';
import type { ApisixConfig } from '../model/apisix.js';
import { planSync } from './plan.js';
import { deletesReferable, referrerConflicts, referrerOf, referrersIn } from './referrers.js';
import { REFERRER_KIND } from '../apisix/kinds/index.js';

const labels = { 'managed-by': 'tagway', 'tagway.group': 'staging' };
const split = (id: string) => ({ 'traffic-split': { rules: [{ weighted_upstreams: [{ upstream_id: id, weight: 1 }, { weight: 1 }] }] } });

describe('referrers', () => {
  it('reduce an object to the upstreams and services it uses', () => {
    expect(referrerOf(REFERRER_KIND.stream_routes, { id: 's1', server_port: 9100, upstream_id: 'u1', service_id: 'sv1' })).toEqual({
      kind: 'stream_routes',
      id: 's1',
      uses: [
        { kind: 'services', id: 'sv1' },
        { kind: 'upstreams', id: 'u1' },
      ],
    });
    expect(referrerOf(REFERRER_KIND.plugin_configs, { id: 'p2', plugins: split('u2') })).toEqual({ kind: 'plugin_configs', id: 'p2', uses: [{ kind: 'upstreams', id: 'u2' }] });
    expect(referrerOf(REFERRER_KIND.global_rules, { id: 'g1', plugins: { 'limit-count': {} } })).toBeNull();
  });

  it('are found in a whole configuration document, under the kinds that can use objects', () => {
    const doc = { stream_routes: [{ id: 1, upstream_id: 'u1' }], plugin_configs: 'not a list', routes: [{ id: 'r', upstream_id: 'u1' }], global_rules: [{ id: 'g', plugins: split('u3') }, null], consumer_groups: [{ id: 'cg', plugins: split('u3') }] };
    expect(referrersIn(doc).map((r) => `${r.kind}/${r.id}`)).toEqual(['stream_routes/1', 'global_rules/g']);
  });

  it('block a plan that deletes an upstream or service one of them uses, once per object', () => {
    const live: ApisixConfig = {
      consumer_groups: [], consumers: [], ssls: [], upstreams: [{ id: 'old', labels }],
      services: [{ id: 'old', labels, upstream_id: 'old' }],
      routes: [{ id: 'old.r', labels, service_id: 'old' }],
    };
    const empty: ApisixConfig = { consumer_groups: [], consumers: [], ssls: [], upstreams: [], services: [], routes: [] };
    const plan = planSync({ group: 'staging', apisix: empty, digest: sha256Digest(canonicalJson(empty)) }, live);
    expect(deletesReferable(plan)).toBe(true);
    const conflicts = referrerConflicts(plan, [
      { kind: 'plugin_configs', id: 'p1', uses: [{ kind: 'upstreams', id: 'old' }] },
      { kind: 'global_rules', id: 'g1', uses: [{ kind: 'upstreams', id: 'old' }, { kind: 'upstreams', id: 'elsewhere' }] },
    ]);
    expect(conflicts).toEqual([
      {
        code: 'still-referenced',
        kind: 'upstreams',
        id: 'old',
        referencedBy: { kind: 'plugin_configs', id: 'p1' },
        message: 'upstream old is no longer in the snapshot, but plugin config p1 still uses it, so it cannot be deleted',
        hint: 'change or remove plugin config p1 first (tagway does not manage it), or keep upstream old in the snapshot',
      },
    ]);
    const onlyRoutes = planSync({ group: 'staging', apisix: { ...live, routes: [] }, digest: 'sha256:x' }, live);
    expect(deletesReferable(onlyRoutes)).toBe(false);
  });
});

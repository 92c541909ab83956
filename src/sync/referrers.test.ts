import { describe, expect, it } from 'vitest';
import { canonicalJson, sha256Digest } from '../core/canonical.js';
import type { ApisixConfig } from '../model/apisix.js';
import { planSync } from './plan.js';
import { deletesReferable, referrerConflicts, referrerOf, referrersIn, type Referrer } from './referrers.js';
import { KIND, emptyConfig, type KindDescriptor, type ReferrerKind, type ResourceType } from '../apisix/kinds/index.js';

const labels = { 'managed-by': 'tagway', 'tagway.group': 'staging' };
const split = (id: string) => ({ 'traffic-split': { rules: [{ weighted_upstreams: [{ upstream_id: id, weight: 1 }, { weight: 1 }] }] } });

/**
 * No APISIX kind is read for its references alone any more (referrer-kinds.ts): every kind that
 * can use an upstream or a service is one tagway writes. The mechanism stays; these tests drive it
 * with a kind tagway writes standing in for a referrer kind.
 */
const standIn = (kind: KindDescriptor): ResourceType<ReferrerKind> => kind as unknown as ResourceType<ReferrerKind>;
const referrer = (kind: string, id: string, uses: Referrer['uses']): Referrer => ({ kind: kind as ReferrerKind, id, uses });

describe('referrers', () => {
  it('reduce an object to the upstreams and services it uses', () => {
    expect(referrerOf(standIn(KIND.stream_routes), { id: 's1', server_port: 9100, upstream_id: 'u1', service_id: 'sv1' })).toEqual({
      kind: 'stream_routes',
      id: 's1',
      uses: [
        { kind: 'services', id: 'sv1' },
        { kind: 'upstreams', id: 'u1' },
      ],
    });
    expect(referrerOf(standIn(KIND.global_rules), { id: 'g2', plugins: split('u2') })).toEqual({ kind: 'global_rules', id: 'g2', uses: [{ kind: 'upstreams', id: 'u2' }] });
    expect(referrerOf(standIn(KIND.global_rules), { id: 'g1', plugins: { 'limit-count': {} } })).toBeNull();
  });

  it('are found under no key of a whole configuration document: the planner sees every kind that can use objects', () => {
    const doc = { stream_routes: [{ id: 1, upstream_id: 'u1' }], plugin_configs: [{ id: 'p', plugins: split('u3') }], routes: [{ id: 'r', upstream_id: 'u1' }], global_rules: [{ id: 'g', plugins: split('u3') }, null], consumer_groups: [{ id: 'cg', plugins: split('u3') }] };
    expect(referrersIn(doc)).toEqual([]);
  });

  it('are not read for a plan that deletes an upstream or a service, and block such a delete once per object', () => {
    const live: ApisixConfig = {
      ...emptyConfig(),
      upstreams: [{ id: 'old', labels }],
      services: [{ id: 'old', labels, upstream_id: 'old' }],
      routes: [{ id: 'old.r', labels, service_id: 'old' }],
    };
    const empty: ApisixConfig = emptyConfig();
    const plan = planSync({ group: 'staging', apisix: empty, digest: sha256Digest(canonicalJson(empty)) }, live);
    expect(plan.steps.some((s) => s.op === 'delete' && s.kind === 'upstreams')).toBe(true);
    expect(deletesReferable(plan)).toBe(false);
    const conflicts = referrerConflicts(plan, [
      referrer('global_rules', 'g0', [{ kind: 'upstreams', id: 'old' }]),
      referrer('global_rules', 'g1', [{ kind: 'upstreams', id: 'old' }, { kind: 'upstreams', id: 'elsewhere' }]),
    ]);
    expect(conflicts).toEqual([
      {
        code: 'still-referenced',
        kind: 'upstreams',
        id: 'old',
        referencedBy: { kind: 'global_rules', id: 'g0' },
        message: 'upstream old is no longer in the snapshot, but global rule g0 still uses it, so it cannot be deleted',
        hint: 'change or remove global rule g0 first (tagway does not manage it), or keep upstream old in the snapshot',
      },
    ]);
  });
});

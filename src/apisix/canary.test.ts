import { describe, expect, it } from 'vitest';
import type { ApisixObject } from '../model/apisix.js';
import { adoptRuntimeState, canarySteps, rolloutWeight, withCanaryWeight } from './canary.js';

const split = (w: number, match?: unknown[]) => ({ 'traffic-split': { rules: [{ ...(match ? { match } : {}), weighted_upstreams: [{ upstream_id: 'web.canary', weight: w }, { weight: 100 - w }] }] } });
const service = (labels: Record<string, string>, w = 0, match?: unknown[]): ApisixObject => ({ id: 'web', labels, plugins: { 'limit-count': { count: 1 }, ...split(w, match) }, upstream_id: 'web' });

describe('a progressive canary on its service', () => {
  it.each([
    ['5,25,100', [5, 25, 100]],
    ['100', [100]],
    ['0,50', null],
    ['5,x', null],
    [undefined, null],
  ])('steps %s', (label, expected) => {
    expect(canarySteps({ id: 'web', ...(label !== undefined ? { labels: { 'tagway.canary-steps': label } } : {}) })).toEqual(expected);
  });

  it.each([
    ['0', 0],
    ['25', 25],
    ['100', 100],
    ['101', null],
    ['05', null],
    ['-1', null],
  ])('rollout weight %s', (label, expected) => {
    expect(rolloutWeight({ id: 'web', labels: { 'tagway.canary-weight': label } })).toBe(expected);
  });

  it('moves the weight and marks it, keeping the match and the other plugins', () => {
    const moved = withCanaryWeight(service({ a: 'b' }, 0, [{ vars: [['arg_x', '==', '1']] }]), 25);
    expect(moved).toEqual({ ...service({ a: 'b', 'tagway.canary-weight': '25' }, 25, [{ vars: [['arg_x', '==', '1']] }]) });
  });

  it('leaves a service without a canary as it is', () => {
    const plain: ApisixObject = { id: 'web', plugins: { 'limit-count': { count: 1 } } };
    expect(withCanaryWeight(plain, 50)).toBe(plain);
  });

  it('adopts the weight a rollout reached only for the same progressive canary, and only on services', () => {
    const desired = service({ 'tagway.canary-steps': '5,25,100', 'tagway.canary-id': 'c1' }, 0);
    const live = service({ 'tagway.canary-steps': '5,25,100', 'tagway.canary-id': 'c1', 'tagway.canary-weight': '25' }, 25);
    expect(adoptRuntimeState('services', desired, live)).toEqual(live);
    // No mark on the gateway: the snapshot's weight stands.
    expect(adoptRuntimeState('services', desired, service({ 'tagway.canary-steps': '5,25,100', 'tagway.canary-id': 'c1' }, 60))).toBe(desired);
    // Another canary (its nodes or steps changed in git): it starts from its committed weight.
    expect(adoptRuntimeState('services', { ...desired, labels: { ...desired.labels, 'tagway.canary-id': 'c2' } }, live)).toEqual({ ...desired, labels: { ...desired.labels, 'tagway.canary-id': 'c2' } });
    // No steps in the snapshot any more: the rollout's weight is not kept.
    const plain = service({}, 10);
    expect(adoptRuntimeState('services', plain, live)).toBe(plain);
    expect(adoptRuntimeState('routes', desired, live)).toBe(desired);
    // A rollout's step sets its own weight.
    const step = withCanaryWeight(desired, 50);
    expect(adoptRuntimeState('services', step, live)).toBe(step);
  });
});

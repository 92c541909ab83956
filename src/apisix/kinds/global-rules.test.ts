/** Global rules are owned by their id, `tagway.<group>.<name>`: a table of ids and whose they are. */
import { describe, expect, it } from 'vitest';
import { GLOBAL_RULES, globalRuleGroup, globalRuleId } from './global-rules.js';

const group31 = 'g'.repeat(31);
const name25 = 'n'.repeat(25);

describe('a global rule is a group\'s by its id alone', () => {
  const cases: ReadonlyArray<{ readonly id: string; readonly group: string | null; readonly why: string }> = [
    { id: 'tagway.staging.metrics', group: 'staging', why: 'the id tagway gives' },
    { id: `tagway.${group31}.${name25}`, group: group31, why: 'the longest group and name' },
    { id: 'tagway.prod-eu.real-ip', group: 'prod-eu', why: 'names with dashes' },
    { id: '1', group: null, why: 'a rule made by hand' },
    { id: 'prometheus', group: null, why: 'a rule named after its plugin' },
    { id: 'tagway.staging', group: null, why: 'no name' },
    { id: 'tagway..metrics', group: null, why: 'no group' },
    { id: 'tagway.staging.', group: null, why: 'an empty name' },
    { id: 'tagway.staging.a.b', group: null, why: 'a dot in the name' },
    { id: 'tagway.Staging.metrics', group: null, why: 'a group name tagway cannot have' },
    { id: `tagway.staging.${'n'.repeat(26)}`, group: null, why: 'a name longer than a file may give' },
    { id: 'xtagway.staging.metrics', group: null, why: 'another prefix' },
    { id: 'TAGWAY.staging.metrics', group: null, why: 'the prefix in capitals' },
  ];
  for (const c of cases) {
    it(`${c.id}: ${c.group ?? 'nobody'} (${c.why})`, () => {
      expect(globalRuleGroup(c.id)).toBe(c.group);
      expect(GLOBAL_RULES.ownership.claimedBy({ id: c.id, plugins: {} })).toBe(c.group);
    });
  }

  it('ignores labels, which APISIX does not keep on global rules', () => {
    expect(GLOBAL_RULES.ownership.claimedBy({ id: '1', labels: { 'managed-by': 'tagway', 'tagway.group': 'staging' } })).toBeNull();
  });

  it('has ids that fit APISIX\'s 64 characters for the longest names, and that claimedBy reads back', () => {
    const id = globalRuleId(group31, name25);
    expect(id.length).toBeLessThanOrEqual(64);
    expect(id).toMatch(/^[a-zA-Z0-9-_.]+$/);
    expect(globalRuleGroup(id)).toBe(group31);
  });

  it('says how to hand a rule made by hand over: re-create it under tagway\'s id, or delete it', () => {
    const hint = GLOBAL_RULES.ownership.adopt('global rule 1', 'staging');
    expect(hint).toContain('gateway-groups/staging/global-rules/<name>.yaml');
    expect(hint).toContain('tagway.staging.<name>');
    expect(hint).toContain('no labels');
  });
});

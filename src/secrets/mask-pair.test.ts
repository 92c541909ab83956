/** Cases of masking two sides at once where their shapes differ: one side absent, shorter, or of another type. */
import { describe, expect, it } from 'vitest';
import { MASKED, MASKED_CHANGED, maskSecretPair, secretPaths } from './classify.js';

describe('maskSecretPair', () => {
  const cases: ReadonlyArray<{ readonly name: string; readonly before: unknown; readonly after: unknown; readonly masked: readonly [unknown, unknown] }> = [
    { name: 'an object added', before: undefined, after: { token: 't' }, masked: [undefined, { token: MASKED }] },
    { name: 'an object removed', before: { token: 't' }, after: undefined, masked: [{ token: MASKED }, undefined] },
    { name: 'a field added', before: {}, after: { token: 't' }, masked: [{}, { token: MASKED }] },
    { name: 'a field removed', before: { token: 't' }, after: {}, masked: [{ token: MASKED }, {}] },
    { name: 'a list grown', before: ['a'], after: ['a', 'b'], masked: [['a'], ['a', 'b']] },
    { name: 'a list shrunk', before: ['a', 'b'], after: ['a'], masked: [['a', 'b'], ['a']] },
    {
      name: 'a secret object replaced by a scalar',
      before: { password: { user: 'u', pin: 'p' } },
      after: { password: 'p2' },
      masked: [{ password: { user: MASKED, pin: MASKED } }, { password: MASKED }],
    },
    { name: 'a list replaced by a scalar', before: { vars: ['x'] }, after: { vars: 'x' }, masked: [{ vars: ['x'] }, { vars: 'x' }] },
    {
      name: 'a condition that becomes one on a secret variable',
      before: { vars: [['arg_page', '==', '1']] },
      after: { vars: [['http_x_api_key', '==', 'k']] },
      masked: [{ vars: [['arg_page', '==', MASKED]] }, { vars: [['http_x_api_key', '==', MASKED_CHANGED]] }],
    },
    {
      name: 'a condition on a secret variable that loses its negation',
      before: { vars: [['http_x_api_key', '!', '==', 'k']] },
      after: { vars: [['http_x_api_key', '==', 'k']] },
      masked: [{ vars: [['http_x_api_key', '!', MASKED, MASKED]] }, { vars: [['http_x_api_key', '==', MASKED_CHANGED]] }],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const { before, after } = maskSecretPair(c.before, c.after);
      expect([before, after]).toStrictEqual(c.masked);
    });
  }
});

describe('secretPaths', () => {
  it('escapes / and ~ in the keys of its JSON pointers', () => {
    expect(secretPaths({ 'a/b': { token: 't' }, 'c~d': { password: 'p' } })).toEqual(['/a~1b/token', '/c~0d/password']);
  });
});

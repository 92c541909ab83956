/**
 * Fidelity of `validateApisixObject` to Apache APISIX itself: test/fixtures/apisix-cases.json holds
 * 170 route, service and upstream bodies with the verdict APISIX's own test suite asserts for them
 * (apache/apisix, commit f519a0f, Apache-2.0; see apisix-cases.NOTICE.md).
 *
 * Every case must agree except those in KNOWN_DISAGREEMENTS, and the set of disagreements must be
 * exactly that table: a fix and a regression both fail here, so the table stays honest. Where
 * APISIX's verdict names the field it rejects (its schema checker's `property "x" validation
 * failed` chain), an error here must point at that field or inside it, except for the cases in
 * FIELD_MISMATCHES (none today), kept exact the same way.
 *
 * Cases that need a Lua runtime in APISIX, and how they are decided here without one:
 * - `vars_expression` (route-019, route-052): lua-resty-expr's `expr.new` only compiles the rules
 *   (shape, operator, `ipmatch` addresses) and APISIX's `validate_post_arg` only parses JSONPath;
 *   neither evaluates anything, so both are decided exactly (vars-expression.ts, jsonpath-syntax.ts).
 * - `lua_code` (route-037 `filter_func`, route-080 `_meta.pre_function`): APISIX compiles the code
 *   with LuaJIT; here a LuaJIT grammar parser decides the same syntax errors (lua-syntax.ts).
 *   What stays undecidable without running Lua: a route or service `script` must, when executed
 *   once, return a table. Only a syntax error, a chunk that returns nothing, or a final `return`
 *   of a non-table literal are reported; anything else (`return M`) is accepted. None of the cases
 *   below depends on it. Compile-time limits of LuaJIT (200 nested syntax levels, 200 locals, 60
 *   upvalues) and unresolved `goto` labels are not checked either.
 */

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { validateApisixObject, type ApisixObjectKind } from '../src/apisix/validator/index.js';

interface ConformanceCase {
  readonly id: string;
  readonly kind: ApisixObjectKind;
  readonly body: unknown;
  readonly expected: 'valid' | 'invalid';
  readonly category?: string;
  readonly error_msg?: string;
  readonly error_pattern?: string;
  readonly mode?: 'etcd' | 'standalone';
  readonly plugins?: readonly string[];
  readonly source: { readonly file: string; readonly test: number | null; readonly title?: string };
}

/** Case id → why this validator's verdict differs from APISIX's. */
const KNOWN_DISAGREEMENTS: Readonly<Record<string, string>> = {
  'route-168':
    'standalone mode only: APISIX accepts `modifiedIndex` in a route when it runs without etcd ' +
    '(admin/standalone.lua patch_schema adds it to every schema); the etcd Admin API, which this ' +
    'validator follows, rejects it as an unknown property (additionalProperties = false).',
};

/** The cases APISIX decides with Lua code, and where the static check here finds the error. */
const LUA_RUNTIME_CASES: Readonly<Record<string, string>> = {
  'route-019': '/vars/0', // invalid operator '='
  'route-052': '/vars/0/0/0', // post_arg JSONPath that does not parse
  'route-037': '/filter_func', // 'end' expected near '<eof>'
  'route-080': '/plugins/limit-count/_meta/pre_function', // unexpected symbol near 'not'
};

/** Case id → why the error here points elsewhere than the field APISIX's verdict names. */
const FIELD_MISMATCHES: Readonly<Record<string, string>> = {};

/** A JSON pointer's reference token for a key. */
function token(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

/**
 * The JSON pointer of the field APISIX's verdict names, read from its schema checker's wording,
 * or null when it names none: `property "a" validation failed: property "b" validation failed:
 * failed to validate item 2: …` is /a/b/1 (items count from 1 in Lua); `failed to validate env
 * (matching ".*")` is the key `env` of a map; after `failed to check the configuration of plugin
 * p err:`, the path is inside /plugins/p.
 */
function namedField(c: ConformanceCase): string | null {
  // An `error_pattern` is a Lua pattern or a regex: drop the escapes before quotes.
  const text = (c.error_msg ?? c.error_pattern ?? '').replace(/\\+"/g, '"');
  const steps = [...text.matchAll(/property "([^"]+)" validation failed|failed to validate item (\d+)|failed to validate (\S+) \(matching "/g)];
  if (steps.length === 0) return null;
  const plugin = /configuration of plugin (\S+) err: /.exec(text);
  const segments = plugin === null ? [] : ['plugins', plugin[1]!];
  for (const [, property, item, key] of steps) segments.push(property ?? key ?? String(Number(item) - 1));
  return segments.map((s) => `/${token(s)}`).join('');
}

const cases = JSON.parse(
  readFileSync(new URL('./fixtures/apisix-cases.json', import.meta.url), 'utf8'),
) as readonly ConformanceCase[];

const verdicts = cases.map((c) => {
  const result = validateApisixObject(c.kind, c.body);
  return { case: c, result, agrees: (result.valid ? 'valid' : 'invalid') === c.expected };
});

describe('conformance with APISIX test suite verdicts', () => {
  it('has the 170 vendored cases', () => {
    expect(cases).toHaveLength(170);
  });

  it('agrees on at least 95% of the cases', () => {
    const agreeing = verdicts.filter((v) => v.agrees).length;
    expect(agreeing).toBeGreaterThanOrEqual(Math.ceil(cases.length * 0.95));
  });

  it('disagrees on exactly the cases in KNOWN_DISAGREEMENTS', () => {
    const disagreeing = verdicts
      .filter((v) => !v.agrees)
      .map((v) => ({ id: v.case.id, expected: v.case.expected, errors: v.result.errors }));
    expect(disagreeing.map((d) => d.id).sort()).toEqual(Object.keys(KNOWN_DISAGREEMENTS).sort());
  });

  it.each(verdicts.filter((v) => v.case.expected === 'invalid' && !(v.case.id in KNOWN_DISAGREEMENTS)))(
    'rejects $case.id ($case.category) with at least one error',
    ({ result }) => {
      expect(result.errors.length).toBeGreaterThan(0);
    },
  );

  const named = verdicts
    .filter((v) => v.case.expected === 'invalid' && !(v.case.id in KNOWN_DISAGREEMENTS))
    .flatMap((v) => {
      const field = namedField(v.case);
      return field === null ? [] : [{ ...v, field }];
    });
  const atField = (pointers: readonly string[], field: string) => pointers.some((p) => p === field || p.startsWith(`${field}/`));

  it('reads the field APISIX names from its wording in 35 verdicts', () => {
    expect(named.length).toBe(35);
    expect(named.find((v) => v.case.id === 'route-153')?.field).toBe('/upstream/checks/active/healthy/successes');
    expect(named.find((v) => v.case.id === 'route-160')?.field).toBe('/upstream/checks/active/req_headers/1');
    expect(named.find((v) => v.case.id === 'route-081')?.field).toBe('/plugins/limit-count/_meta');
    expect(named.find((v) => v.case.id === 'route-049')?.field).toBe('/labels/env');
  });

  it.each(named.filter((v) => !(v.case.id in FIELD_MISMATCHES)))('rejects $case.id at the field APISIX names, $field', ({ result, field }) => {
    expect(result.errors.map((e) => e.pointer)).toSatisfy((pointers: string[]) => atField(pointers, field), `an error at ${field}`);
  });

  it('points elsewhere than APISIX exactly for the cases in FIELD_MISMATCHES', () => {
    const elsewhere = named.filter((v) => !atField(v.result.errors.map((e) => e.pointer), v.field)).map((v) => v.case.id);
    expect(elsewhere.sort()).toEqual(Object.keys(FIELD_MISMATCHES).sort());
  });

  it.each(Object.entries(LUA_RUNTIME_CASES))('decides %s statically, at %s', (id, pointer) => {
    const verdict = verdicts.find((v) => v.case.id === id);
    expect(verdict?.result.errors.map((e) => e.pointer)).toEqual([pointer]);
  });

  it.each(verdicts.filter((v) => v.case.expected === 'valid' && !(v.case.id in KNOWN_DISAGREEMENTS)))(
    'accepts $case.id ($case.source.file)',
    ({ result }) => {
      expect(result.errors).toEqual([]);
    },
  );
});

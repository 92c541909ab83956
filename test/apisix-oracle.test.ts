/**
 * Agreement of `validateApisixObject` with APISIX's own check code: test/fixtures/
 * apisix-oracle-cases.jsonl holds 2,435 bodies of the twelve Admin API kinds with the verdict of
 * APISIX's `check_conf`, schemas and plugin `check_schema` (apache/apisix f519a0f, Apache-2.0;
 * see apisix-oracle-cases.NOTICE.md). Each case is validated with its path id, proxy mode and
 * method as the case gives them.
 *
 * Every case must agree except those in KNOWN_DISAGREEMENTS, and the disagreements must be exactly
 * that table: a fix and a regression both fail here. Where APISIX's message names the field it
 * refuses, one of the errors here must point at that field.
 *
 * What APISIX decides by running code is decided here by static stand-ins, each exact for what
 * the cases hold: Lua syntax (lua-syntax.ts: serverless functions, `filter_func`,
 * `_meta.pre_function`, ai-rate-limiting's `cost_expr`), PCRE syntax (pcre.ts), lua-resty-expr
 * (vars-expression.ts), JSONPath (jsonpath-syntax.ts), GraphQL (graphql-syntax.ts), PEM
 * certificates and keys with node's crypto, and the Admin API's AES encryption of SSL keys with
 * the default keyring (pem.ts). What stays undecidable without running Lua is whether a
 * serverless function or a `script`, run once, returns a function or a table; only a syntax
 * error or a literal of another type is reported, and no case depends on more. What depends on
 * the gateway's state (referenced objects, plugin metadata, keys held by other consumers, plugins
 * of other global rules, cache zones) is left to the gateway.
 */

import { describe, expect, it } from 'vitest';
import { validateApisixObject, type ApisixAdminPath, type ApisixValidateOptions } from '../src/apisix/validator/index.js';
import { oracleCases, type OracleCase } from './support/oracle-cases.js';

const FILE_LOGGER_PATH =
  'file-logger without `path`: APISIX falls back to the plugin metadata, which only the gateway holds ' +
  '(the oracle ran on a gateway without any); left to the gateway, like every reference to its state';

/** Case id → why this validator's verdict differs from APISIX's. */
const KNOWN_DISAGREEMENTS: Readonly<Record<string, string>> = {
  g00312: FILE_LOGGER_PATH,
  g00392: FILE_LOGGER_PATH,
  g01002: FILE_LOGGER_PATH,
  g03507: FILE_LOGGER_PATH,
  g03529: FILE_LOGGER_PATH,
  g03745: FILE_LOGGER_PATH,
  g04053: FILE_LOGGER_PATH,
  g04160: FILE_LOGGER_PATH,
  g02658:
    'jwt-auth secret "abc" with base64_secret: nginx\'s ngx.decode_base64 decodes unpadded text (3 characters, ' +
    '2 bytes), which a gateway accepts; the stand-in for it the oracle ran under refuses it',
};

const cases = oracleCases();

function optionsOf(c: OracleCase): ApisixValidateOptions {
  return {
    ...(c.path_id !== undefined ? { id: c.path_id } : {}),
    ...(c.proxy_mode !== undefined ? { proxyMode: c.proxy_mode } : {}),
    ...(c.method !== undefined ? { method: c.method } : {}),
  };
}

const verdicts = cases.map((c) => {
  const result = validateApisixObject(c.kind as ApisixAdminPath, c.body, optionsOf(c));
  return { case: c, result, agrees: (result.valid ? 'valid' : 'invalid') === c.expected };
});

function agreement(list: readonly (typeof verdicts)[number][]): number {
  return list.filter((v) => v.agrees).length / list.length;
}

const escape = (token: string): string => token.replace(/~/g, '~0').replace(/\//g, '~1');

/**
 * The pointer of the field APISIX's message names, or null when it names none: the chain of
 * `property "x" validation failed:` / `failed to validate item n:` … of api7/jsonschema, under
 * the plugin the message names. A missing property is named at its object.
 */
function namedField(message: string): string | null {
  let m: RegExpExecArray | null;
  let pointer: string;
  let rest: string;
  if ((m = /^(?:invalid plugins configuration: )?failed to check the configuration of plugin (\S+) err: ([\s\S]*)$/.exec(message))) {
    pointer = `/plugins/${escape(m[1]!)}`;
    rest = m[2]!;
  } else if ((m = /^failed to check the configuration of stream plugin \[([^\]]+)\]: ([\s\S]*)$/.exec(message))) {
    pointer = `/plugins/${escape(m[1]!)}`;
    rest = m[2]!;
  } else if ((m = /^invalid configuration: ([\s\S]*)$/.exec(message))) {
    pointer = '';
    rest = m[1]!;
  } else {
    return null;
  }
  for (;;) {
    if ((m = /^property "([^"]+)" validation failed: ([\s\S]*)$/.exec(rest))) {
      pointer += `/${escape(m[1]!)}`;
    } else if ((m = /^failed to validate item (\d+): ([\s\S]*)$/.exec(rest))) {
      pointer += `/${Number(m[1]) - 1}`;
    } else if ((m = /^failed to validate additional property (.+?): ([\s\S]*)$/.exec(rest))) {
      pointer += `/${escape(m[1]!)}`;
    } else if ((m = /^failed to validate (.+?) \(matching ".*?"\): ([\s\S]*)$/.exec(rest))) {
      pointer += `/${escape(m[1]!)}`;
    } else if ((m = /^(?:allOf \d+ failed|failed to validate dependent schema for .+?): ([\s\S]*)$/.exec(rest))) {
      rest = m[1]!;
      continue;
    } else {
      const unknown = /^additional properties forbidden, found (.+)$/.exec(rest);
      return unknown ? `${pointer}/${escape(unknown[1]!)}` : pointer;
    }
    rest = m[m.length - 1]!;
  }
}

describe('agreement with APISIX check code (the oracle cases)', () => {
  it('has the 2,435 vendored cases of the twelve kinds', () => {
    expect(cases).toHaveLength(2435);
    expect(new Set(cases.map((c) => c.kind)).size).toBe(12);
  });

  it('agrees on at least 99% of the cases, and 97% of each kind', () => {
    expect(agreement(verdicts)).toBeGreaterThanOrEqual(0.99);
    const kinds = [...new Set(cases.map((c) => c.kind))];
    for (const kind of kinds) {
      const rate = agreement(verdicts.filter((v) => v.case.kind === kind));
      expect({ kind, atLeast97: rate >= 0.97 }).toEqual({ kind, atLeast97: true });
    }
  });

  it('disagrees on exactly the cases in KNOWN_DISAGREEMENTS', () => {
    const disagreeing = verdicts.filter((v) => !v.agrees).map((v) => v.case.id);
    expect(disagreeing.sort()).toEqual(Object.keys(KNOWN_DISAGREEMENTS).sort());
  });

  const named = verdicts.flatMap((v) => {
    const field = v.case.expected === 'invalid' && v.case.apisix_error && !v.result.valid ? namedField(v.case.apisix_error) : null;
    return field === null ? [] : [{ id: v.case.id, field, pointers: v.result.errors.map((e) => e.pointer) }];
  });

  it('finds a field named in most of the messages it compares', () => {
    expect(named.length).toBeGreaterThan(1400);
  });

  it.each(named)('$id: points at $field, the field APISIX names', ({ field, pointers }) => {
    expect(pointers.some((p) => p === field || p.startsWith(`${field}/`))).toBe(true);
  });
});

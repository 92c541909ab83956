import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { acceptsStatically, fromLuaSchema, jsPattern, type LuaSchema } from './lua-schema.js';
import { createApisixAjv } from './schema.js';
import { schemaIssues } from './schema-errors.js';

/** schema_def.lua `ip_def`, from APISIX's schemas file. */
const ipDef = (JSON.parse(readFileSync(new URL('./data/apisix-schemas.json', import.meta.url), 'utf8')) as { core: { ip_def: unknown[] } }).core.ip_def;

/** A Lua schema, a value, and the pointers of the errors api7/jsonschema's verdict calls for. */
type Row = readonly [name: string, schema: LuaSchema, value: unknown, pointers: readonly string[]];

const ajv = createApisixAjv();

function pointersOf(schema: LuaSchema, value: unknown): string[] {
  const converted = fromLuaSchema(schema, { ipDef });
  const validate = ajv.compile(converted as object);
  if (validate(value)) return [];
  return schemaIssues(validate.errors ?? [], value, converted).map((i) => i.pointer);
}

const withPolicy: LuaSchema = {
  type: 'object',
  properties: { policy: { type: 'string', enum: ['local', 'redis'], default: 'local' }, host: { type: 'string' } },
  if: { properties: { policy: { enum: ['redis'] } } },
  then: { required: ['host'] },
};

const ROWS: readonly Row[] = [
  // Lua has one empty table: {} and [] are both objects and arrays.
  ['[] is an object', { type: 'object' }, [], []],
  ['{} is an array', { type: 'array', items: { type: 'string' } }, {}, []],
  ['[1] is no object', { type: 'object' }, [1], ['']],
  ['{a: 1} is no array', { type: 'array' }, { a: 1 }, ['']],
  ['[] misses a required property', { type: 'object', required: ['a'] }, [], ['']],
  ['{} has fewer items than minItems', { type: 'array', minItems: 1 }, {}, ['']],
  ['null is no object', { type: 'object' }, null, ['']],
  ['1.0 is an integer', { type: 'integer' }, 1.0, []],
  ['1.5 is no integer', { type: 'integer' }, 1.5, ['']],
  // Defaults are injected before if / oneOf / minProperties look at the object.
  ['an absent policy is its default, local', withPolicy, {}, []],
  ['policy redis needs host', withPolicy, { policy: 'redis' }, ['']],
  ['a default counts for minProperties', { type: 'object', minProperties: 1, properties: { a: { type: 'boolean', default: false } } }, {}, []],
  ['without one, minProperties counts', { type: 'object', minProperties: 1, properties: { a: { type: 'boolean' } } }, {}, ['']],
  ['a required property with a default is still required', { type: 'object', required: ['a'], properties: { a: { type: 'string', default: 'x' } } }, {}, ['']],
  ['a defaulted property satisfies oneOf', { type: 'object', properties: { a: { type: 'string', default: 'x' }, b: { type: 'string' } }, oneOf: [{ required: ['a'] }, { required: ['b'] }] }, {}, []],
  // oneOf / anyOf of required lists: one error, at the object.
  ['neither of two', { type: 'object', oneOf: [{ required: ['a'] }, { required: ['b'] }] }, {}, ['']],
  ['both of two', { type: 'object', oneOf: [{ required: ['a'] }, { required: ['b'] }] }, { a: 1, b: 2 }, ['']],
  ['one of two', { type: 'object', oneOf: [{ required: ['a'] }, { required: ['b'] }] }, { b: 2 }, []],
  ['anyOf none', { anyOf: [{ required: ['a'] }, { required: ['b'] }] }, {}, ['']],
  // Alternatives of disjoint types are one type union.
  ['integer > 0 or string: a string', { oneOf: [{ type: 'integer', exclusiveMinimum: 0 }, { type: 'string' }] }, '$var', []],
  ['integer > 0 or string: zero', { oneOf: [{ type: 'integer', exclusiveMinimum: 0 }, { type: 'string' }] }, 0, ['']],
  ['integer > 0 or string: a boolean', { oneOf: [{ type: 'integer', exclusiveMinimum: 0 }, { type: 'string' }] }, true, ['']],
  // Other alternatives: one error at their value.
  ['enum or object, neither', { type: 'object', properties: { a: { anyOf: [{ type: 'string', enum: ['x'] }, { type: 'object', required: ['k'] }] } } }, { a: 'y' }, ['/a']],
  // PCRE patterns and formats.
  ['\\A \\z anchors', { type: 'string', pattern: '\\A[a-z]+\\z' }, 'abc', []],
  ['\\A \\z anchors, a digit', { type: 'string', pattern: '\\A[a-z]+\\z' }, 'ab1', ['']],
  ['ipv4 format as inet_pton', { type: 'string', format: 'ipv4' }, '01.2.3.4', ['']],
  ['ipv6 format', { type: 'string', format: 'ipv6' }, '::1', []],
  // What api7/jsonschema ignores, this ignores.
  ['unknown keywords', { type: 'object', encrypt_fields: ['a'], description: 'x', title: 't' }, {}, []],
  ['if without then or else', { type: 'object', if: { required: ['a'] } }, {}, []],
];

describe('fromLuaSchema: api7/jsonschema verdicts through ajv', () => {
  it.each(ROWS.map(([name, schema, value, pointers]) => ({ name, schema, value, pointers })))('$name', ({ schema, value, pointers }) => {
    expect(pointersOf(schema, value)).toEqual(pointers);
  });

  it("writes schema_def.lua's ip_def as the apisix-ip format", () => {
    expect(fromLuaSchema({ anyOf: ipDef }, { ipDef })).toEqual({ luaType: ['string'], format: 'apisix-ip' });
    expect(pointersOf({ anyOf: ipDef }, '10.0.0.0/8')).toEqual([]);
    expect(pointersOf({ anyOf: ipDef }, '10.0.0.0/33')).toEqual(['']);
  });

  it('never changes its input', () => {
    const schema = structuredClone(withPolicy);
    fromLuaSchema(schema);
    expect(schema).toEqual(withPolicy);
  });
});

describe('acceptsStatically', () => {
  it.each([
    [{ enum: ['redis'] }, 'local', false],
    [{ enum: ['server'] }, 'server', true],
    [{ type: 'integer', minimum: 1 }, 0, false],
    [{ type: 'array' }, {}, true],
    [{ properties: {} }, {}, undefined],
  ] as const)('%j on %j is %s', (schema, value, verdict) => {
    expect(acceptsStatically(schema as LuaSchema, value)).toBe(verdict);
  });
});

describe('jsPattern', () => {
  it.each([
    ['\\A[\\w]+\\z', '^[\\w]+$'],
    ['a\\Z', 'a(?=\\n?$)'],
    ['^\\$[a-z]', '^\\$[a-z]'],
    ['end\\', 'end\\'],
  ])('%s → %s', (pcre, js) => {
    expect(jsPattern(pcre)).toBe(js);
  });
});

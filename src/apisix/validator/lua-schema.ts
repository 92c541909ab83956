/**
 * APISIX's JSON Schemas, as its validator (api7/jsonschema, run by apisix/core/schema.lua) reads
 * them, turned into schemas ajv evaluates the same way. A pure transformation of data, run by the
 * build (scripts/build-validators.js) and, without a build, at run time; the schema-value
 * vocabulary it produces (`luaType`, `luaEmptyArray`, `luaEmptyObject`, `luaRequiredOneOf`,
 * `luaRequiredAnyOf`, the `lua-ipv4`, `lua-ipv6` and `apisix-ip` formats) is defined in schema.ts.
 *
 * What differs between the two validators, and what this does about it:
 * - Lua has one table for `{}` and `[]`: an empty table is both an object and an array, and both
 *   the object keywords (`required`, `minProperties`) and the array keywords (`minItems`) apply
 *   to it. `type` becomes `luaType`, which accepts the empty table of the other kind, and
 *   `luaEmptyArray` / `luaEmptyObject` carry the verdict of the keywords ajv skips for it.
 * - api7/jsonschema injects each property's `default` while it walks `properties`, after that
 *   property's own `required` check and before `if`, `oneOf`, `anyOf`, `allOf`, `not` and
 *   `minProperties` look at the object. Those keywords are rewritten to see the defaults: a
 *   defaulted property counts as present, and a condition on it holds when its default meets it.
 * - `oneOf` / `anyOf` of `required` lists become `luaRequiredOneOf` / `luaRequiredAnyOf` (one
 *   message naming the properties, instead of one per branch); alternatives of disjoint JSON
 *   types (`{integer > 0} | {string}`) become one type union with each type's keywords, which
 *   accepts the same values; schema_def.lua's `ip_def` becomes the `apisix-ip` format.
 * - Patterns are PCRE: `\A`, `\z` and `\Z` are written in JavaScript's terms.
 * - Keywords api7/jsonschema does not know (`encrypt_fields`, annotations) are dropped, as it
 *   ignores them; so are `if` without `then`/`else` and `then`/`else` without `if`.
 */

export type LuaSchema = boolean | { readonly [keyword: string]: unknown };
export type AjvSchema = boolean | Record<string, unknown>;

type Node = { readonly [keyword: string]: unknown };

/** The keywords api7/jsonschema evaluates; everything else in a schema is ignored by it. */
const KEPT = new Set([
  'type', 'properties', 'patternProperties', 'additionalProperties', 'required', 'dependencies',
  'minProperties', 'maxProperties', 'items', 'minItems', 'maxItems', 'uniqueItems', 'contains',
  'minLength', 'maxLength', 'pattern', 'format', 'minimum', 'maximum', 'exclusiveMinimum',
  'exclusiveMaximum', 'multipleOf', 'enum', 'const', 'allOf', 'anyOf', 'oneOf', 'not', 'if', 'then',
  'else',
]);

/** The keywords that apply to one JSON type only, by type (integer shares number's). */
const TYPE_KEYWORDS: Readonly<Record<string, ReadonlySet<string>>> = {
  string: new Set(['minLength', 'maxLength', 'pattern', 'format']),
  number: new Set(['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf']),
  integer: new Set(['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf']),
  boolean: new Set(),
  object: new Set(['properties', 'patternProperties', 'additionalProperties', 'required', 'dependencies', 'minProperties', 'maxProperties']),
  array: new Set(['items', 'minItems', 'maxItems', 'uniqueItems', 'contains']),
};

/** Keywords that say nothing about a value. */
const ANNOTATIONS = new Set(['description', 'title', '$comment', 'default', 'encrypt_fields']);

/** JSON types whose values overlap in Lua (integer ⊂ number; the empty table is both). */
const OVERLAPPING: readonly (readonly [string, string])[] = [
  ['integer', 'number'],
  ['object', 'array'],
];

const FORMATS: Readonly<Record<string, string>> = { ipv4: 'lua-ipv4', ipv6: 'lua-ipv6', 'apisix-ip': 'apisix-ip' };

export interface LuaSchemaOptions {
  /** schema_def.lua `ip_def` (the `anyOf` list), to recognise and write as the `apisix-ip` format. */
  readonly ipDef?: readonly unknown[];
}

/** `schema` as ajv should evaluate it to reach api7/jsonschema's verdicts (see above). */
export function fromLuaSchema(schema: LuaSchema, options: LuaSchemaOptions = {}): AjvSchema {
  return convert(schema, options, new Map());
}

/** Property name → default, of the properties whose default api7/jsonschema injects. */
type Defaults = ReadonlyMap<string, unknown>;

function convert(schema: LuaSchema, options: LuaSchemaOptions, sameLevel: Defaults): AjvSchema {
  if (typeof schema === 'boolean') return schema;
  const node = rewriteForDefaults(schema, sameLevel);
  const defaults = injectedDefaults(node);
  const out: Record<string, unknown> = {};
  const sub = (s: unknown): AjvSchema => convert(s as LuaSchema, options, new Map());
  const level = (s: unknown): AjvSchema => convert(s as LuaSchema, options, defaults);

  for (const [keyword, value] of Object.entries(node)) {
    if (!KEPT.has(keyword)) continue;
    switch (keyword) {
      case 'type':
        out.luaType = Array.isArray(value) ? [...(value as string[])] : [value as string];
        break;
      case 'properties':
      case 'patternProperties': {
        const members = Object.entries(value as Record<string, unknown>).map(([k, v]) => [keyword === 'patternProperties' ? jsPattern(k) : k, sub(v)]);
        out[keyword] = Object.fromEntries(members);
        break;
      }
      case 'additionalProperties':
      case 'contains':
        out[keyword] = typeof value === 'boolean' ? value : sub(value);
        break;
      case 'items':
        out.items = Array.isArray(value) ? value.map(sub) : sub(value);
        break;
      case 'dependencies':
        out.dependencies = Object.fromEntries(
          Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, Array.isArray(v) ? [...v] : level(v)]),
        );
        break;
      case 'required':
        // `required = {}` makes api7/jsonschema demand an empty table; no APISIX schema uses it.
        if ((value as unknown[]).length > 0) out.required = [...(value as string[])];
        break;
      case 'minProperties': {
        // Injected defaults are counted: enough of them always make the count.
        if (defaults.size < (value as number)) out.minProperties = value;
        break;
      }
      case 'pattern':
        out.pattern = jsPattern(value as string);
        break;
      case 'format': {
        const format = FORMATS[value as string];
        if (format === undefined) throw new Error(`unsupported format "${String(value)}"`);
        out.format = format;
        break;
      }
      case 'allOf':
        out.allOf = (value as unknown[]).map(level);
        break;
      case 'anyOf':
      case 'oneOf':
        Object.assign(out, alternatives(keyword, value as unknown[], node, options, defaults, level));
        break;
      case 'not':
        out.not = level(value);
        break;
      case 'if':
        if (node.then !== undefined || node.else !== undefined) out.if = level(value);
        break;
      case 'then':
      case 'else':
        if (node.if !== undefined) out[keyword] = level(value);
        break;
      default:
        out[keyword] = value;
    }
  }
  addEmptyTableKeywords(out);
  return out;
}

/**
 * `anyOf` / `oneOf` (`keyword`) at a node: the forms listed at the top of this file, else the
 * alternatives converted one by one.
 */
function alternatives(
  keyword: 'anyOf' | 'oneOf',
  branches: readonly unknown[],
  node: Node,
  options: LuaSchemaOptions,
  defaults: Defaults,
  level: (s: unknown) => AjvSchema,
): Record<string, unknown> {
  if (keyword === 'anyOf' && options.ipDef && sameJson(branches, options.ipDef)) {
    return node.type === undefined ? { luaType: ['string'], format: 'apisix-ip' } : { format: 'apisix-ip' };
  }
  const lists = requiredLists(branches);
  if (lists) {
    // A defaulted property is present by the time the alternatives are evaluated.
    const pruned = lists.map((list) => list.filter((name) => !defaults.has(name)));
    return { [keyword === 'oneOf' ? 'luaRequiredOneOf' : 'luaRequiredAnyOf']: pruned };
  }
  const merged = node.type === undefined ? mergeDisjointTypes(branches) : null;
  if (merged) return Object.fromEntries(Object.entries(level(merged) as Record<string, unknown>));
  return { [keyword]: branches.map(level) };
}

/** The `required` lists of alternatives that are nothing but `required`, else null. */
function requiredLists(branches: readonly unknown[]): string[][] | null {
  const lists: string[][] = [];
  for (const branch of branches) {
    if (!isNode(branch)) return null;
    const keys = Object.keys(branch).filter((k) => !ANNOTATIONS.has(k));
    if (keys.length !== 1 || keys[0] !== 'required' || !Array.isArray(branch.required)) return null;
    lists.push(branch.required.map(String));
  }
  return lists;
}

/**
 * Alternatives of one JSON type each, no two overlapping, each with only its type's keywords:
 * one schema with the union of types and all their keywords (each applies to its type alone), or
 * null when the alternatives are not of that form.
 */
function mergeDisjointTypes(branches: readonly unknown[]): Node | null {
  const types: string[] = [];
  const merged: Record<string, unknown> = {};
  for (const branch of branches) {
    if (!isNode(branch) || typeof branch.type !== 'string') return null;
    const type = branch.type;
    const allowed = TYPE_KEYWORDS[type];
    if (!allowed) return null;
    if (types.some((t) => t === type || OVERLAPPING.some(([a, b]) => (a === t && b === type) || (b === t && a === type)))) return null;
    for (const [k, v] of Object.entries(branch)) {
      if (k === 'type' || ANNOTATIONS.has(k)) continue;
      if (!allowed.has(k) || k in merged) return null;
      merged[k] = v;
    }
    types.push(type);
  }
  return types.length > 0 ? { ...merged, type: types } : null;
}

/**
 * The defaults api7/jsonschema injects into an object of this node: those of `properties` that are
 * not `required` (a required property is reported missing before its default is injected) and
 * that are a number, string, boolean or table.
 */
function injectedDefaults(node: Node): Defaults {
  const properties = node.properties;
  if (!isNode(properties)) return new Map();
  const required = new Set(Array.isArray(node.required) ? node.required.map(String) : []);
  const out = new Map<string, unknown>();
  for (const [name, schema] of Object.entries(properties)) {
    if (!isNode(schema) || schema.default === undefined || schema.default === null || required.has(name)) continue;
    out.set(name, schema.default);
  }
  return out;
}

/**
 * A schema applied to the same object as its parent's `properties` (a branch of `allOf`, `anyOf`,
 * `oneOf`, `not`, `if`, `then`, `else`), rewritten to see that object after its defaults were
 * injected: a defaulted property leaves `required`, and a condition on it that its default fails
 * makes it required (absent, it would hold the failing default).
 */
function rewriteForDefaults(node: Node, defaults: Defaults): Node {
  if (defaults.size === 0) return node;
  let out: Record<string, unknown> | null = null;
  const edit = (): Record<string, unknown> => (out ??= { ...node });
  if (Array.isArray(node.required) && node.required.some((n) => defaults.has(String(n)))) {
    edit().required = node.required.filter((n) => !defaults.has(String(n)));
  }
  if (isNode(node.properties)) {
    const mustBePresent: string[] = [];
    for (const [name, schema] of Object.entries(node.properties)) {
      if (!defaults.has(name)) continue;
      if (acceptsStatically(schema as LuaSchema, defaults.get(name)) === false) mustBePresent.push(name);
    }
    if (mustBePresent.length > 0) {
      const required = (out ?? node).required;
      edit().required = [...(Array.isArray(required) ? required : []), ...mustBePresent];
    }
  }
  for (const keyword of ['allOf', 'anyOf', 'oneOf'] as const) {
    const branches = node[keyword];
    if (Array.isArray(branches)) edit()[keyword] = branches.map((b) => (isNode(b) ? rewriteForDefaults(b, defaults) : b));
  }
  for (const keyword of ['not', 'if', 'then', 'else'] as const) {
    const branch = node[keyword];
    if (isNode(branch)) edit()[keyword] = rewriteForDefaults(branch, defaults);
  }
  return out ?? node;
}

/**
 * Whether `value` meets `schema` under api7/jsonschema's rules, for the keywords a condition on
 * a default uses; undefined when the schema asks more than this can tell.
 */
export function acceptsStatically(schema: LuaSchema, value: unknown): boolean | undefined {
  if (typeof schema === 'boolean') return schema;
  let verdict: boolean | undefined = true;
  for (const [keyword, expected] of Object.entries(schema)) {
    if (ANNOTATIONS.has(keyword)) continue;
    let ok: boolean | undefined;
    switch (keyword) {
      case 'type':
        ok = (Array.isArray(expected) ? expected : [expected]).some((t) => isLuaType(value, String(t)));
        break;
      case 'enum':
        ok = Array.isArray(expected) && expected.some((e) => sameJson(e, value));
        break;
      case 'const':
        ok = sameJson(expected, value);
        break;
      case 'minimum':
        ok = typeof value !== 'number' || value >= (expected as number);
        break;
      case 'maximum':
        ok = typeof value !== 'number' || value <= (expected as number);
        break;
      case 'exclusiveMinimum':
        ok = typeof value !== 'number' || value > (expected as number);
        break;
      case 'exclusiveMaximum':
        ok = typeof value !== 'number' || value < (expected as number);
        break;
      case 'minLength':
        ok = typeof value !== 'string' || [...value].length >= (expected as number);
        break;
      case 'maxLength':
        ok = typeof value !== 'string' || [...value].length <= (expected as number);
        break;
      case 'pattern':
        ok = typeof value !== 'string' || new RegExp(jsPattern(String(expected)), 'u').test(value);
        break;
      default:
        ok = undefined;
    }
    if (ok === false) return false;
    if (ok === undefined) verdict = undefined;
  }
  return verdict;
}

/** api7/jsonschema's type test of a decoded JSON value (the empty table is an object and an array). */
export function isLuaType(value: unknown, type: string): boolean {
  switch (type) {
    case 'object':
      return typeof value === 'object' && value !== null && (!Array.isArray(value) || value.length === 0);
    case 'array':
      return Array.isArray(value) || (typeof value === 'object' && value !== null && Object.keys(value).length === 0);
    case 'integer':
      return typeof value === 'number' && value % 1 === 0;
    case 'null':
      return value === null;
    default:
      return typeof value === type;
  }
}

/**
 * What api7/jsonschema checks on the empty table that ajv skips: object keywords on `[]`
 * (`luaEmptyArray`) and array keywords on `{}` (`luaEmptyObject`); each holds the message.
 */
function addEmptyTableKeywords(out: Record<string, unknown>): void {
  const required = out.required as string[] | undefined;
  if (required && required.length > 0) out.luaEmptyArray = `missing required property "${required[0]!}"`;
  else if (typeof out.minProperties === 'number' && out.minProperties > 0) {
    out.luaEmptyArray = `must NOT have fewer than ${out.minProperties} properties`;
  }
  if (typeof out.minItems === 'number' && out.minItems > 0) out.luaEmptyObject = `must NOT have fewer than ${out.minItems} items`;
  else if (out.contains !== undefined) out.luaEmptyObject = 'must contain at least 1 valid item';
}

/** A PCRE pattern (as `ngx.re.find` runs it) written for JavaScript's `u` regular expressions. */
export function jsPattern(pattern: string): string {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c !== '\\' || i + 1 >= pattern.length) {
      out += c;
      continue;
    }
    const e = pattern[i + 1]!;
    i += 1;
    if (e === 'A') out += '^';
    else if (e === 'z') out += '$';
    else if (e === 'Z') out += '(?=\\n?$)';
    else out += `\\${e}`;
  }
  return out;
}

function isNode(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Deep equality of JSON values. */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => Object.hasOwn(b, k) && sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/**
 * `$secret://` and `$env://` references (apisix/secret.lua `is_secret_ref`). apisix/core/schema.lua
 * validates with `skip_validation = secret.is_secret_ref`, so a string value starting with either
 * prefix passes the schema at any place whose schema is untyped or of type string; the gateway
 * resolves it when it runs.
 */

import type { SchemaObject } from 'ajv';

const SECRET_REFERENCE = /^\$(secret:\/\/|[Ee][Nn][Vv]:\/\/)/;
const SECRET_REFERENCE_SCHEMA: SchemaObject = { type: 'string', pattern: SECRET_REFERENCE.source };

export function isSecretReference(value: unknown): boolean {
  return typeof value === 'string' && SECRET_REFERENCE.test(value);
}

type Schema = SchemaObject | boolean;

/**
 * A copy of `schema` (as lua-schema.ts writes it) in which every property, item or additional
 * value whose schema is untyped or of type string, and constrains anything, also accepts a secret
 * reference.
 */
export function allowSecretReferences(schema: Schema): Schema {
  if (typeof schema !== 'object') return schema;
  const out: Record<string, unknown> = { ...schema };
  for (const key of ['properties', 'patternProperties'] as const) {
    const members = schema[key] as Record<string, Schema> | undefined;
    if (members) out[key] = Object.fromEntries(Object.entries(members).map(([k, v]) => [k, valuePosition(v)]));
  }
  for (const key of ['items', 'additionalProperties'] as const) {
    const member = schema[key] as Schema | undefined;
    if (typeof member === 'object' && !Array.isArray(member)) out[key] = valuePosition(member);
  }
  for (const key of ['allOf', 'anyOf', 'oneOf'] as const) {
    const members = schema[key] as Schema[] | undefined;
    if (members) out[key] = members.map(allowSecretReferences);
  }
  for (const key of ['if', 'then', 'else', 'not'] as const) {
    const member = schema[key] as Schema | undefined;
    if (member !== undefined) out[key] = allowSecretReferences(member);
  }
  return out;
}

function valuePosition(schema: Schema): Schema {
  const inner = allowSecretReferences(schema);
  if (typeof schema !== 'object') return inner;
  const types = schema.luaType as readonly string[] | undefined;
  const acceptsStrings = types === undefined || (types.length === 1 && types[0] === 'string');
  const constrains = Object.keys(schema).some((k) => k !== 'luaType');
  return acceptsStrings && constrains ? { if: SECRET_REFERENCE_SCHEMA, then: true, else: inner } : inner;
}

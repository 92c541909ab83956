/**
 * The validators of each unit of APISIX's schemas file (apisix-schemas.ts): a plugin's `schema`,
 * `consumer` and `metadata` schemas, a stream plugin's, a secret manager's, a core schema. A
 * unit's schemas are made from the file by lua-schema.ts and compiled ahead of time by the build
 * (set `apisix/<unit>`, scripts/build-validators.js), else on first use; either way once per
 * process, and only for the units a process meets.
 */

import type { SchemaObject, ValidateFunction } from 'ajv';
import { loadCompiled } from '../../core/compiled-validators.js';
import { schemaUnit, type RawPlugin, type SchemaIndex, type SchemaUnit } from './apisix-schemas.js';
import { fromLuaSchema, type LuaSchema } from './lua-schema.js';
import { allowSecretReferences } from './secret-references.js';
import { APISIX_FORMATS, createApisixAjv } from './schema.js';

/** The schemas of a unit by role: `schema`, and for plugins `consumer` and `metadata` where they have one. */
export type UnitSchemas = Readonly<Record<string, SchemaObject>>;
export type UnitValidators = Readonly<Record<string, ValidateFunction>>;

/** The core schemas of the kinds the Admin API checks past routes, services and upstreams (admin/). */
export const CORE_KIND_SCHEMAS = ['consumer', 'credential', 'ssl', 'global_rule', 'plugin_config', 'consumer_group', 'stream_route'] as const;

/** Every unit a validator is made of: what the build compiles ahead of time. */
export function validatorUnits(): SchemaUnit[] {
  const index = schemaIndex();
  return [
    ...CORE_KIND_SCHEMAS.map((name) => `core/${name}` as const),
    ...Object.keys(index.plugins).map((name) => `plugin/${name}` as const),
    ...index.streamPlugins.map((name) => `stream-plugin/${name}` as const),
    ...index.secretManagers.map((name) => `secret/${name}` as const),
  ];
}

/** The names and types of the schemas file. */
export function schemaIndex(): SchemaIndex {
  return schemaUnit('index');
}

/** A plugin's entry (`stream` for a stream plugin), or undefined when APISIX has no such plugin. */
export function rawPlugin(name: string, stream = false): RawPlugin | undefined {
  const index = schemaIndex();
  const known = stream ? index.streamPlugins.includes(name) : Object.hasOwn(index.plugins, name);
  return known ? schemaUnit(stream ? `stream-plugin/${name}` : `plugin/${name}`) : undefined;
}

/**
 * The schemas of `unit`, as ajv compiles them: `$secret://` / `$env://` references allowed where
 * APISIX allows them, and, in a plugin's `schema`, any `_meta` (checks.ts checks it against the
 * injected schema, with its own rules for a disabled plugin).
 */
export function unitSchemas(unit: SchemaUnit): UnitSchemas | undefined {
  if (!schemasByUnit.has(unit)) schemasByUnit.set(unit, makeUnitSchemas(unit));
  return schemasByUnit.get(unit);
}

const schemasByUnit = new Map<SchemaUnit, UnitSchemas | undefined>();

function makeUnitSchemas(unit: SchemaUnit): UnitSchemas | undefined {
  const raw = corrected(unit, schemaUnit(unit));
  if (raw === undefined) return undefined;
  const { ipDef } = schemaIndex();
  const make = (schema: LuaSchema): SchemaObject => allowSecretReferences(fromLuaSchema(schema, { ipDef }) as SchemaObject) as SchemaObject;
  if (unit.startsWith('plugin/') || unit.startsWith('stream-plugin/')) {
    const plugin = raw as RawPlugin;
    const out: Record<string, SchemaObject> = { schema: make(withAnyMeta(plugin.schema)) };
    if (plugin.consumer_schema !== undefined) out.consumer = make(plugin.consumer_schema);
    if (plugin.metadata_schema !== undefined) out.metadata = make(plugin.metadata_schema);
    return out;
  }
  return { schema: make(raw as LuaSchema) };
}

/** proxy-rewrite.lua `switch_map`: the methods a gateway can set. */
const PROXY_REWRITE_METHODS = ['COPY', 'DELETE', 'GET', 'HEAD', 'LOCK', 'MKCOL', 'MOVE', 'OPTIONS', 'PATCH', 'POST', 'PROPFIND', 'PUT', 'TRACE', 'UNLOCK'];

/**
 * A unit with the corrections the schemas file needs where the environment that dumped it was
 * not a gateway: proxy-rewrite builds its `method` enum from nginx's `ngx.HTTP_*` constants, and
 * the dump lacked 9 of the 14 (it lists POST, GET, DELETE, HEAD and PUT).
 */
function corrected(unit: SchemaUnit, raw: unknown): unknown {
  if (unit !== 'plugin/proxy-rewrite') return raw;
  const plugin = raw as RawPlugin;
  const schema = plugin.schema as { properties: Record<string, Record<string, unknown>> };
  const method = { ...schema.properties.method, enum: PROXY_REWRITE_METHODS };
  return { ...plugin, schema: { ...schema, properties: { ...schema.properties, method } } };
}

function withAnyMeta(schema: LuaSchema): LuaSchema {
  if (typeof schema !== 'object' || typeof schema.properties !== 'object' || schema.properties === null) return schema;
  return { ...schema, properties: { ...(schema.properties as Record<string, unknown>), _meta: {} } };
}

const cache = new Map<SchemaUnit, UnitValidators | null>();
let ajv: ReturnType<typeof createApisixAjv> | null = null;

/** The compiled validators of `unit`, or null when the file has no such unit. */
export function unitValidators(unit: SchemaUnit): UnitValidators | null {
  const cached = cache.get(unit);
  if (cached !== undefined) return cached;
  const schemas = unitSchemas(unit);
  let validators: UnitValidators | null = null;
  if (schemas) {
    const ahead = loadCompiled(`apisix/${unit}`, schemas, APISIX_FORMATS);
    if (ahead && Object.keys(schemas).every((role) => ahead[role])) validators = ahead;
    else {
      const compiler = (ajv ??= createApisixAjv());
      validators = Object.fromEntries(Object.entries(schemas).map(([role, schema]) => [role, compiler.compile(schema)]));
    }
  }
  cache.set(unit, validators);
  return validators;
}

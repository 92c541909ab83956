/**
 * The JSON Schemas APISIX validates with, dumped from its code (data/apisix-schemas.json, Apache
 * APISIX f519a0f, Apache-2.0: see data/apisix-schemas.NOTICE.md): `core` (apisix/schema_def.lua),
 * `plugins` (each plugin's `schema`, `consumer_schema`, `metadata_schema`, `type`),
 * `stream_plugins` and `secrets` (the secret managers).
 *
 * Read by unit, on first use: `index` (the names and types), `core/<name>`, `plugin/<name>`,
 * `stream-plugin/<name>`, `secret/<name>`. The build writes each unit to a file of its own
 * (data/units/<unit>.unit, JSON, scripts/build-validators.js), so a process reads only the units
 * it meets; parsing the whole file takes ≈5 ms. Without a build the whole file is read, once. The
 * unit files are derived from the whole file, which the build copies beside them: that one is
 * what the compile cache's fingerprint of the tool reads (it hashes `.json`, not `.unit`).
 */

import { readFileSync } from 'node:fs';
import type { LuaSchema } from './lua-schema.js';

export interface RawPlugin {
  readonly type?: string;
  readonly schema: LuaSchema;
  readonly consumer_schema?: LuaSchema;
  readonly metadata_schema?: LuaSchema;
}

export interface ApisixSchemasFile {
  readonly apisix_commit: string;
  readonly core: Readonly<Record<string, unknown>>;
  readonly plugins: Readonly<Record<string, RawPlugin>>;
  readonly stream_plugins: Readonly<Record<string, RawPlugin>>;
  readonly secrets: Readonly<Record<string, LuaSchema>>;
}

/** The names in the file: plugins with their `type` (null when none), stream plugins, secret managers. */
export interface SchemaIndex {
  readonly plugins: Readonly<Record<string, string | null>>;
  readonly streamPlugins: readonly string[];
  readonly secretManagers: readonly string[];
  /** schema_def.lua `ip_def`, which lua-schema.ts writes as a format. */
  readonly ipDef: readonly unknown[];
}

export type SchemaUnit = 'index' | `core/${string}` | `plugin/${string}` | `stream-plugin/${string}` | `secret/${string}`;

const WHOLE = new URL('./data/apisix-schemas.json', import.meta.url);

let whole: ApisixSchemasFile | null = null;
const units = new Map<string, unknown>();

/** The whole file, parsed (for the build, and when no unit files were built). */
export function apisixSchemasFile(): ApisixSchemasFile {
  whole ??= JSON.parse(readFileSync(WHOLE, 'utf8')) as ApisixSchemasFile;
  return whole;
}

/** A unit of the file (see above), or undefined when the file has no such entry. */
export function schemaUnit(unit: 'index'): SchemaIndex;
export function schemaUnit(unit: `plugin/${string}` | `stream-plugin/${string}`): RawPlugin | undefined;
export function schemaUnit(unit: SchemaUnit): unknown;
export function schemaUnit(unit: SchemaUnit): unknown {
  if (units.has(unit)) return units.get(unit);
  let value: unknown;
  if (whole) value = unitOf(whole, unit);
  else {
    try {
      value = JSON.parse(readFileSync(new URL(`./data/units/${unit}.unit`, import.meta.url), 'utf8'));
    } catch {
      // Not built, or no such unit: the whole file says which.
      value = unitOf(apisixSchemasFile(), unit);
    }
  }
  units.set(unit, value);
  return value;
}

/** Every unit of `file` by name: what the build writes, one file each. */
export function splitSchemaUnits(file: ApisixSchemasFile): Map<SchemaUnit, unknown> {
  const out = new Map<SchemaUnit, unknown>([['index', unitOf(file, 'index')]]);
  for (const name of Object.keys(file.core)) out.set(`core/${name}`, file.core[name]);
  for (const name of Object.keys(file.plugins)) out.set(`plugin/${name}`, file.plugins[name]);
  for (const name of Object.keys(file.stream_plugins)) out.set(`stream-plugin/${name}`, file.stream_plugins[name]);
  for (const name of Object.keys(file.secrets)) out.set(`secret/${name}`, file.secrets[name]);
  return out;
}

function unitOf(file: ApisixSchemasFile, unit: SchemaUnit): unknown {
  if (unit === 'index') {
    const index: SchemaIndex = {
      plugins: Object.fromEntries(Object.entries(file.plugins).map(([name, p]) => [name, p.type ?? null])),
      streamPlugins: Object.keys(file.stream_plugins),
      secretManagers: Object.keys(file.secrets),
      ipDef: file.core['ip_def'] as unknown[],
    };
    return index;
  }
  const slash = unit.indexOf('/');
  const group = unit.slice(0, slash);
  const name = unit.slice(slash + 1);
  const table: Readonly<Record<string, unknown>> | undefined =
    group === 'core' ? file.core : group === 'plugin' ? file.plugins : group === 'stream-plugin' ? file.stream_plugins : group === 'secret' ? file.secrets : undefined;
  return table && Object.hasOwn(table, name) ? table[name] : undefined;
}

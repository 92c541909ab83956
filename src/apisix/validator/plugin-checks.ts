/**
 * A plugin's configuration, as the Admin API checks it: apisix/plugin.lua
 * `check_single_plugin_schema` (`stream_check_schema` for stream routes) calls the plugin's
 * `check_schema(conf, schema_type)`, which validates its schema (the plugin's `schema`, its
 * `consumer_schema` in a consumer or credential, its `metadata_schema` in plugin metadata; from
 * APISIX's schemas file, unit-validators.ts) and then makes the checks of CODE_CHECKS, each tagged
 * with the Lua file it mirrors. Every plugin in the schemas file is checked by its schema.
 *
 * Like the rest of this validator, every check runs on whatever it finds and reports each
 * problem; a check whose field has the wrong JSON type stays silent, since the schema reports it.
 * A plugin disabled through `_meta.disable: true` is accepted whatever its configuration, as
 * plugin.lua does.
 *
 * `$secret://` and `$env://` references pass the schema where APISIX lets them
 * (secret-references.ts), and the checks below skip references where the Lua skips them.
 *
 * Decided by the gateway, not here: whether proxy-cache's `cache_zone` is a zone of the gateway's
 * config.yaml (and of the right strategy), whether a limit-count `group` has the same
 * configuration on every route using it, whether openid-connect's `claim_schema` compiles and its
 * private keys parse and match their JWK / algorithm, and what a serverless function does when
 * it runs. Regular expressions are checked for the PCRE errors pcre.ts can decide.
 */

import type { Report } from './report.js';
import { schemaIssues } from './schema-errors.js';
import { BUNDLED_PLUGIN_NAMES } from './bundled-plugins.js';
import type { SchemaUnit } from './apisix-schemas.js';
import { CODE_CHECKS, type PluginCodeChecks } from './plugin-code/index.js';
import { rawPlugin, unitSchemas, unitValidators, type UnitValidators } from './unit-validators.js';

/** The plugins whose configuration is checked (by its schema, and for CODE_CHECKED_PLUGINS by code), sorted by code point. */
export const CHECKED_PLUGINS = BUNDLED_PLUGIN_NAMES;

/** The plugins with checks in code past their schema (plugin-code/), sorted by code point. */
export const CODE_CHECKED_PLUGINS: readonly string[] = [...CODE_CHECKS.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

type JsonObject = Readonly<Record<string, unknown>>;

/** Which of a plugin's schemas applies: `check_schema`'s `schema_type` (nil, TYPE_CONSUMER, TYPE_METADATA). */
export type PluginSchemaType = 'schema' | 'consumer' | 'metadata';

export interface PluginCheckOptions {
  readonly schemaType?: PluginSchemaType;
  /** A stream plugin (apisix/stream/plugins/<name>.lua). */
  readonly stream?: boolean;
}

/**
 * Checks the configuration `conf` of plugin `name`, found at `pointer`. Does nothing for a plugin
 * APISIX's schemas file does not have.
 */
export function checkPluginConf(name: string, conf: JsonObject, pointer: string, report: Report, options: PluginCheckOptions = {}): void {
  const plugin = pluginEntry(name, options.stream === true);
  if (!plugin) return;
  const schemaType = options.schemaType ?? 'schema';
  if (schemaType !== 'metadata' && isObject(conf._meta) && conf._meta.disable === true) return;
  const validators = plugin.validators;
  // A plugin's check_schema uses the schema its `schema_type` names when it has one, else its
  // `schema`; plugin metadata without a metadata_schema gets an empty injected one.
  const role = schemaType !== 'schema' && validators?.[schemaType] ? schemaType : schemaType === 'metadata' ? null : 'schema';
  const at: Report = (p, message, severity) => report(`${pointer}${p}`, `plugin ${name}: ${message}`, severity);
  const validate = role ? validators?.[role] : undefined;
  if (validate) {
    // openid-connect.lua check_schema turns the legacy `ssl_verify: "no"` into false first.
    const input = name === 'openid-connect' && conf.ssl_verify === 'no' ? { ...conf, ssl_verify: false } : conf;
    if (!validate(input)) {
      const schema = unitSchemas(plugin.unit)?.[role!];
      for (const issue of schemaIssues(validate.errors ?? [], input, schema)) at(issue.pointer, issue.message);
    }
  }
  const code = role === 'schema' || role === 'consumer' ? plugin.code?.[role] : undefined;
  code?.(conf, at, nested);
}

/** What checking a plugin needs, found once per plugin per process (null: APISIX has no such plugin). */
interface PluginEntry {
  readonly unit: SchemaUnit;
  readonly validators: UnitValidators | null;
  readonly code: PluginCodeChecks | undefined;
}

const entries = { http: new Map<string, PluginEntry | null>(), stream: new Map<string, PluginEntry | null>() };

function pluginEntry(name: string, stream: boolean): PluginEntry | null {
  const known = stream ? entries.stream : entries.http;
  let entry = known.get(name);
  if (entry === undefined) {
    const unit = stream ? (`stream-plugin/${name}` as const) : (`plugin/${name}` as const);
    entry = rawPlugin(name, stream) ? { unit, validators: unitValidators(unit), code: CODE_CHECKS.get(name) } : null;
    known.set(name, entry);
  }
  return entry;
}

/** Another plugin's whole check, for the code checks that run one (pointers are the caller's). */
function nested(name: string, conf: JsonObject, pointer: string, report: Report): void {
  checkPluginConf(name, conf, pointer, report);
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}


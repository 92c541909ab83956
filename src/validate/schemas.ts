import { readFileSync } from 'node:fs';
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { Ajv2020 } from 'ajv/dist/2020.js';
import { createRequire } from 'node:module';
import type { Diagnostic } from '../model/diagnostic.js';
import type { YamlFile } from '../load/yaml-file.js';
import { GROUP_OBJECT_KINDS } from '../load/layout.js';
import type { GroupObjectKind } from '../model/config.js';
import { joinPointer, pointerSegments } from '../load/yaml-file.js';
import { loadCompiled } from '../core/compiled-validators.js';
import { didYouMean } from '../core/did-you-mean.js';
import { isSecretKey } from '../secrets/classify.js';

/** The schemas of `schemas/`: one per file kind (a group-level kind's named as the kind), the snapshot and its signature. */
export type SchemaKind = 'service' | 'overlay' | 'group' | 'adopt' | GroupObjectKind | 'config' | 'snapshot' | 'signature';
export const SCHEMA_KINDS: readonly SchemaKind[] = ['service', 'overlay', 'group', 'adopt', ...GROUP_OBJECT_KINDS, 'config', 'snapshot', 'signature'];

const SCHEMA_DIR = new URL('../../schemas/', import.meta.url);

/** The parsed JSON Schema of one file kind, as shipped in `schemas/`. */
export function readSchema(name: SchemaKind | 'defs'): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`${name}.schema.json`, SCHEMA_DIR), 'utf8')) as Record<string, unknown>;
}

const requireHere = createRequire(import.meta.url);

/**
 * The ajv instance of the file schemas, with `defs` added. `source`: keep the generated code, for
 * scripts/build-validators.js.
 */
export function createFileAjv(options: { readonly source?: boolean } = {}): Ajv2020 {
  // ajv is loaded here, when a schema is to be compiled, not with this module: a build's
  // validators come compiled ahead of time (compiled.ts), and loading ajv cost ≈30 ms of every
  // start. ajv-formats is CommonJS with a default export that NodeNext types do not see as callable.
  const { Ajv2020: Ajv } = requireHere('ajv/dist/2020.js') as typeof import('ajv/dist/2020.js');
  const addFormats = requireHere('ajv-formats') as (ajv: Ajv2020) => Ajv2020;
  // validateSchema: the shipped schemas are checked against their meta-schema by the tests
  // (test/schema-meta.test.ts); checking them again on every run costs more than most runs validate.
  const instance = new Ajv({
    allErrors: true,
    verbose: true,
    strict: true,
    strictRequired: false,
    allowUnionTypes: true,
    validateSchema: false,
    ...(options.source ? { code: { source: true } } : {}),
  });
  addFormats(instance);
  instance.addSchema(readSchema('defs'));
  return instance;
}

/** The file schemas by kind, `defs` included: what the validators are made from. */
export function fileSchemas(): Record<string, unknown> {
  return Object.fromEntries((['defs', ...SCHEMA_KINDS] as const).map((kind) => [kind, readSchema(kind)]));
}

let ajv: Ajv2020 | null = null;
const compiled = new Map<SchemaKind, ValidateFunction>();
let ahead: Readonly<Record<string, ValidateFunction>> | null | undefined;

/** Loads the validators compiled ahead of time now rather than at first use (a caller waiting for git). */
export function loadFileValidators(): void {
  if (ahead === undefined) ahead = loadCompiled('files', fileSchemas());
}

/**
 * Each kind's validator: compiled ahead of time when the build made them (src/core/compiled-validators.ts),
 * else compiled once per process, when first needed.
 */
function validator(kind: SchemaKind): ValidateFunction {
  let validate = compiled.get(kind);
  if (validate) return validate;
  loadFileValidators();
  validate = ahead?.[kind];
  if (!validate) {
    ajv ??= createFileAjv();
    validate = ajv.compile(readSchema(kind));
  }
  compiled.set(kind, validate);
  return validate;
}

export interface SchemaCheckOptions {
  /** Unknown keys to leave to a dedicated rule (e.g. template fields written in an overlay). */
  readonly skipUnknownKey?: (pointer: string, key: string) => boolean;
}

/** Checks a parsed file against its schema; every error becomes a positioned diagnostic. */
export function checkSchema(kind: SchemaKind, file: YamlFile, options: SchemaCheckOptions = {}): Diagnostic[] {
  const validate = validator(kind);
  if (validate(file.data)) return [];
  return toDiagnostics(validate.errors ?? [], file, options);
}

/** Plain-data check (no positions), e.g. for snapshot files read back from disk. */
export function schemaErrors(kind: SchemaKind, data: unknown): string[] {
  const validate = validator(kind);
  if (validate(data)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`);
}

function toDiagnostics(errors: readonly ErrorObject[], file: YamlFile, options: SchemaCheckOptions): Diagnostic[] {
  // `if` and the branches of `anyOf` only restate the errors of what they contain.
  const anyOfPaths = errors.filter((e) => e.keyword === 'anyOf').map((e) => e.schemaPath);
  const out: Diagnostic[] = [];
  const seen = new Set<string>();
  for (const e of errors) {
    if (e.keyword === 'if') continue;
    if (e.keyword !== 'anyOf' && anyOfPaths.some((p) => e.schemaPath.startsWith(`${p}/`))) continue;
    const d = toDiagnostic(e, file, options);
    if (!d) continue;
    const key = `${d.code}|${d.pointer}|${d.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(d);
  }
  return out;
}

/**
 * A finding about a secret field (a literal `admin_key`) carries the span of its value, so that
 * every code frame of the file masks it; its message never repeats the value.
 */
function toDiagnostic(e: ErrorObject, file: YamlFile, options: SchemaCheckOptions): Diagnostic | null {
  const d = schemaDiagnostic(e, file, options);
  const pointer = secretPointer(e);
  if (d === null || pointer === null) return d;
  const at = file.locate(pointer);
  return { ...d, secrets: [{ line: at.line, column: at.column, endLine: at.endLine ?? at.line, endColumn: at.endColumn ?? Number.MAX_SAFE_INTEGER }] };
}

/** The pointer of the secret value an error concerns, if it concerns one. */
function secretPointer(e: ErrorObject): string | null {
  if (e.keyword === 'additionalProperties') {
    const pointer = `${e.instancePath}${joinPointer(String((e.params as { additionalProperty: string }).additionalProperty))}`;
    return isSecretField(pointer) ? pointer : null;
  }
  // These name a key of the value at instancePath, not the value.
  if (e.keyword === 'required' || e.keyword === 'anyOf' || e.keyword === 'propertyNames') return null;
  return isSecretField(e.instancePath) ? e.instancePath : null;
}

function schemaDiagnostic(e: ErrorObject, file: YamlFile, options: SchemaCheckOptions): Diagnostic | null {
  const at = (pointer: string, key = false) => {
    const { pointer: _p, ...loc } = file.locate(pointer, { key });
    return { ...loc, pointer };
  };
  const field = describe(e.instancePath);
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String((e.params as { additionalProperty: string }).additionalProperty);
      const pointer = `${e.instancePath}${joinPointer(key)}`;
      if (options.skipUnknownKey?.(e.instancePath, key)) return null;
      const allowed = Object.keys(((e.parentSchema as { properties?: object } | undefined)?.properties ?? {}) as object);
      const guess = didYouMean(key, allowed);
      const owner = UPSTREAM_KEYS.includes(key) ? emptyOwner(file, e.instancePath) : null;
      return {
        code: 'TW2001',
        severity: 'error',
        message: `unknown key \`${key}\` in ${field}`,
        ...at(pointer, true),
        hint: owner
          ? `\`${owner}:\` above is empty: \`${key}:\` likely belongs under it. Indent \`${key}:\` and its entries by two more spaces.`
          : guess
            ? `Did you mean \`${guess}\`?`
            : allowed.length > 0
              ? `Allowed keys here: ${allowed.join(', ')}.`
              : 'Remove this key.',
        related: [],
      };
    }
    case 'required': {
      const missing = String((e.params as { missingProperty: string }).missingProperty);
      return {
        code: 'TW2002',
        severity: 'error',
        message: `${field} is missing the required key \`${missing}\``,
        ...at(e.instancePath, e.instancePath !== ''),
        hint: `Add \`${missing}:\` to ${field}.`,
        related: [],
      };
    }
    case 'anyOf': {
      const options = (e.schema as { required?: string[] }[]).flatMap((s) => s.required ?? []);
      return {
        code: 'TW2002',
        severity: 'error',
        message: `${field} needs at least one of ${options.map((o) => `\`${o}\``).join(', ')}`,
        ...at(e.instancePath, true),
        hint: `Add ${options.map((o) => `\`${o}:\``).join(' or ')}.`,
        related: [],
      };
    }
    case 'enum': {
      const allowed = (e.params as { allowedValues: unknown[] }).allowedValues.map(String);
      const guess = typeof e.data === 'string' ? didYouMean(e.data, allowed) : null;
      return {
        code: 'TW2003',
        severity: 'error',
        message: `${field} must be one of ${allowed.join(', ')}${isSecretField(e.instancePath) ? ' (its value is not shown: it may be a secret)' : `; found ${JSON.stringify(e.data)}`}`,
        ...at(e.instancePath),
        hint: guess ? `Did you mean \`${guess}\`?` : `Use one of: ${allowed.join(', ')}.`,
        related: [],
      };
    }
    case 'const': {
      return {
        code: 'TW2003',
        severity: 'error',
        message: `${field} must be ${JSON.stringify((e.params as { allowedValue: unknown }).allowedValue)}`,
        ...at(e.instancePath),
        related: [],
      };
    }
    case 'pattern': {
      return {
        code: 'TW2003',
        severity: 'error',
        message: e.propertyName
          ? `key ${JSON.stringify(e.propertyName)} in ${field} ${patternMeaning((e.params as { pattern: string }).pattern)}`
          : isSecretField(e.instancePath)
            ? `${field} ${patternMeaning((e.params as { pattern: string }).pattern)} (its value is not shown: it may be a secret)`
            : `${field} ${JSON.stringify(e.data)} ${patternMeaning((e.params as { pattern: string }).pattern)}`,
        ...(e.propertyName ? at(`${e.instancePath}${joinPointer(e.propertyName)}`, true) : at(e.instancePath)),
        ...optional('hint', patternHint((e.params as { pattern: string }).pattern)),
        related: [],
      };
    }
    case 'propertyNames':
      // The nested `pattern` error (with propertyName) says it better.
      return null;
    default: {
      const propertyName = e.propertyName;
      const sibling = e.keyword === 'type' && e.data === null ? strayUpstreamKey(file, e.instancePath) : null;
      return {
        code: 'TW2003',
        severity: 'error',
        message: `${field} ${e.message ?? 'is invalid'}${propertyName ? ` (key \`${propertyName}\`)` : ''}`,
        ...at(e.instancePath),
        ...(sibling
          ? {
              hint: `\`${field.slice(1, -1)}:\` is empty and \`${sibling}:\` (line ${file.locate(joinPointer(...pointerSegments(e.instancePath).slice(0, -1), sibling), { key: true }).line}) sits beside it instead of under it. Indent \`${sibling}:\` and its entries by two more spaces.`,
            }
          : optional('hint', valueHint(e))),
        related: [],
      };
    }
  }
}

/** How to write a value of the type or within the bounds the schema asks for. */
function valueHint(e: ErrorObject): string | undefined {
  const params = e.params as { type?: string | string[]; limit?: number; comparison?: string };
  if (e.keyword === 'type') {
    const type = Array.isArray(params.type) ? params.type[0] : params.type;
    switch (type) {
      case 'integer':
        return 'Write a whole number without quotes (80, not "80" or 80.5).';
      case 'number':
        return 'Write a number without quotes (0.5, 10).';
      case 'string':
        return 'Write text; quote it when YAML would read it as something else ("1.0", "true", "null").';
      case 'boolean':
        return 'Write true or false, without quotes.';
      case 'object':
        return 'Write a map: `key: value` lines indented under it (or `{ key: value }`).';
      case 'array':
        return 'Write a list: `- item` lines under it (or `[a, b]`).';
      default:
        return undefined;
    }
  }
  if (e.keyword === 'minimum' || e.keyword === 'maximum' || e.keyword === 'exclusiveMinimum' || e.keyword === 'exclusiveMaximum') {
    return `Write a number ${params.comparison} ${params.limit}.`;
  }
  if (e.keyword === 'minItems') return `Give at least ${params.limit ?? 1} ${params.limit === 1 ? 'entry' : 'entries'}.`;
  if (e.keyword === 'minLength') return params.limit === 1 ? 'Write a value; it must not be empty.' : undefined;
  return undefined;
}

/** Keys of an upstream that, written one indentation level too far left, land beside `upstream:`. */
const UPSTREAM_KEYS = ['nodes', 'discovery'];
/** The keys an upstream's fields belong under. */
const UPSTREAM_OWNERS = ['upstream', 'canary'];

/** The value at `pointer` of the file's data (undefined when there is none). */
function valueAt(file: YamlFile, pointer: string): unknown {
  let value: unknown = file.data;
  for (const segment of pointerSegments(pointer)) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[segment];
  }
  return value;
}

/**
 * An empty `upstream:` (or `canary:`) at `pointer` whose fields were not indented under it: the
 * sibling key (`nodes`, `discovery`) that should have been, or null.
 */
function strayUpstreamKey(file: YamlFile, pointer: string): string | null {
  const segments = pointerSegments(pointer);
  if (!UPSTREAM_OWNERS.includes(segments[segments.length - 1] ?? '')) return null;
  const parent = valueAt(file, joinPointer(...segments.slice(0, -1)));
  if (typeof parent !== 'object' || parent === null) return null;
  return UPSTREAM_KEYS.find((k) => Object.prototype.hasOwnProperty.call(parent, k)) ?? null;
}

/** The empty `upstream:` (or `canary:`) of the map at `pointer`, whose fields a stray key likely are; null when there is none. */
function emptyOwner(file: YamlFile, pointer: string): string | null {
  const map = valueAt(file, pointer);
  if (typeof map !== 'object' || map === null) return null;
  return UPSTREAM_OWNERS.find((k) => Object.prototype.hasOwnProperty.call(map, k) && (map as Record<string, unknown>)[k] === null) ?? null;
}

/** `/routes/0/uris/1` → "`routes[0].uris[1]`"; '' → "the file". */
function describe(pointer: string): string {
  if (pointer === '') return 'the file';
  const parts = pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  let out = '';
  for (const p of parts) out += /^\d+$/.test(p) ? `[${p}]` : out === '' ? p : `.${p}`;
  return `\`${out}\``;
}

/** A field whose value may be a credential: never echoed in a finding (findings end up in CI logs). */
function isSecretField(pointer: string): boolean {
  const last = pointer.slice(pointer.lastIndexOf('/') + 1);
  return /(^|_|-)(key|secret|token|password|passwd|credentials?)$/i.test(last) || isSecretKey(last);
}

const NAME_PATTERN = '^[a-z0-9]([a-z0-9-]{0,29}[a-z0-9])?$';

function patternMeaning(pattern: string): string {
  if (pattern === NAME_PATTERN) return 'is not a valid name';
  if (pattern.startsWith('^env:')) return 'is not a secret reference';
  if (pattern === '^/') return 'must start with /';
  if (pattern.includes('gateway-groups')) return 'is not a place for a generated file';
  if (pattern.startsWith('^https?://')) return 'is not an http(s) URL';
  if (pattern.startsWith('^/[A-Za-z0-9')) return 'is not a path prefix';
  if (pattern.startsWith('^(?!tagway')) return 'is a reserved label name or holds white space';
  if (pattern === '^\\S+$') return 'must not be empty or hold white space';
  if (pattern.includes('BEGIN PUBLIC KEY')) return 'is not an ed25519 public key';
  if (pattern === '^[0-9a-f]{16}$') return 'is not a key id';
  return `does not match the pattern ${pattern}`;
}

function patternHint(pattern: string): string | undefined {
  if (pattern === NAME_PATTERN) {
    return 'Names are 1-31 characters of a-z, 0-9 and -, starting and ending with a letter or digit (e.g. petstore, orders-v2).';
  }
  if (pattern.startsWith('^env:')) {
    return 'Write `env:NAME` (NAME: letters, digits and _, not starting with a digit) and set that environment variable where tagway syncs; never write the key itself.';
  }
  if (pattern.includes('gateway-groups')) {
    return 'Write a relative path ending in .yaml, .yml or .json outside .git, services/, gateway-groups/ and schemas/, e.g. out/<group>/apisix.yaml.';
  }
  if (pattern.startsWith('^https?://')) return 'Write the Admin API base URL with its scheme, e.g. http://127.0.0.1:9180.';
  if (pattern.startsWith('^/[A-Za-z0-9')) return 'A path prefix starts with / and has no trailing /, e.g. /petstore or /api/v1.';
  if (pattern.startsWith('^(?!tagway')) return 'Label names starting with `tagway.` and `managed-by` are set by tagway itself; pick another name, without spaces.';
  if (pattern.includes('BEGIN PUBLIC KEY')) {
    return 'Write the public key as a PEM "PUBLIC KEY" block or as the base64 of its 32 bytes (tagway keygen prints both); never the private key (docs/signing.md).';
  }
  if (pattern === '^[0-9a-f]{16}$') return 'A key id is 16 hex digits, as tagway keygen and compile --sign print it; or leave `id` out.';
  return undefined;
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return value === undefined ? {} : ({ [key]: value } as { [P in K]?: V });
}

import type { ApisixObject } from '../model/apisix.js';
import type { Defaults, KindDescriptor } from './kinds/index.js';

type Json = unknown;
type JsonObject = Record<string, Json>;

function isObject(value: Json): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A copy of `obj` without the server fields of its kind (`serverFields`: e.g. the Admin API's
 * timestamps, which a PUT carrying them is refused for): the body to send back when restoring a
 * read object.
 */
export function stripServerFields<T extends ApisixObject>(kind: KindDescriptor, obj: T): T {
  const serverFields = kind.serverFields;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(obj)) {
    if (!serverFields.includes(key)) out[key] = value;
  }
  return out as T;
}

/**
 * Whether two values have the same canonical JSON, for values that came from JSON (no NaN,
 * infinities or functions): compared in place, keys in any order, an `undefined` member the
 * same as an absent one. No copies or strings are made.
 */
export function sameJson(a: Json, b: Json): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i] === undefined ? null : a[i], b[i] === undefined ? null : b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const x = a as JsonObject;
  const y = b as JsonObject;
  let defined = 0;
  for (const key in x) {
    if (!Object.prototype.hasOwnProperty.call(x, key) || x[key] === undefined) continue;
    defined += 1;
    if (!Object.prototype.hasOwnProperty.call(y, key) || !sameJson(x[key], y[key])) return false;
  }
  for (const key in y) if (Object.prototype.hasOwnProperty.call(y, key) && y[key] !== undefined) defined -= 1;
  return defined === 0;
}

/**
 * `value` without the fields equal to their schema default (a kind's `defaults`). APISIX before
 * 3.14 stored the defaults of its object schemas into every object it validated, so a live object
 * carries e.g. `hash_on: vars` that tagway never sent; 3.14+ stores objects as sent
 * (apache/apisix#12603). Dropped on both sides before comparing, so neither version shows a
 * phantom diff and an explicit default in a template is not a change either.
 */
function stripDefaults(value: JsonObject, defaults: Defaults): JsonObject {
  const out: JsonObject = {};
  for (const [key, field] of Object.entries(value)) {
    if (field === undefined || defaults.ignored?.includes(key)) continue;
    const fallback = defaults.values?.[key];
    if (fallback !== undefined && sameJson(field, fallback)) continue;
    const nested = defaults.fields?.[key];
    const items = defaults.items?.[key];
    if (nested && isObject(field)) out[key] = stripDefaults(field, nested);
    else if (items && Array.isArray(field)) out[key] = field.map((item) => (isObject(item) ? stripDefaults(item, items) : item));
    else out[key] = field;
  }
  return out;
}

/**
 * Empty objects as empty arrays, at any depth. APISIX decodes JSON into Lua tables and encodes
 * them back with cjson, which cannot tell `[]` from `{}` and writes `{}`: an empty list tagway
 * sends (`vars: []`, `nodes: []`) comes back as an empty object.
 */
function emptyAsArray(value: Json): Json {
  if (Array.isArray(value)) return value.map(emptyAsArray);
  if (!isObject(value)) return value;
  const keys = Object.keys(value);
  if (keys.length === 0) return [];
  const out: JsonObject = {};
  for (const key of keys) out[key] = emptyAsArray(value[key]);
  return out;
}

/**
 * The comparison form of an object: server fields dropped, `id` as a string (APISIX accepts
 * integer ids and returns strings), schema defaults dropped, empty objects and arrays alike.
 * Pure; the input is not changed.
 */
export function normalizeObject(kind: KindDescriptor, obj: ApisixObject): JsonObject {
  const out = emptyAsArray(stripDefaults(stripServerFields(kind, obj), kind.defaults)) as JsonObject;
  out.id = String(obj.id);
  return out;
}

/**
 * `normalizeObject` of a snapshot's object, computed once per object: a sync plans a target twice
 * (before applying, and to verify) and a fleet once per target, with the same snapshot objects.
 * Callers must not change the result.
 */
function normalizedDesired(kind: KindDescriptor, obj: ApisixObject): JsonObject {
  let byKind = desiredForms.get(obj);
  if (byKind === undefined) desiredForms.set(obj, (byKind = new Map()));
  let form = byKind.get(kind);
  if (form === undefined) byKind.set(kind, (form = normalizeObject(kind, obj)));
  return form;
}

const desiredForms = new WeakMap<ApisixObject, Map<KindDescriptor, JsonObject>>();
/**
 * Whether `live` is `desired` with, at most, server fields of their kind added (`sameJson`
 * otherwise). Then their comparison forms are equal: both go through the same steps once the
 * server fields are dropped, and `id` is a string on both (a snapshot's ids are strings).
 */
export function sameExceptServerFields(kind: KindDescriptor, desired: ApisixObject, live: ApisixObject): boolean {
  if (typeof desired.id !== 'string' || desired.id !== String(live.id)) return false;
  const serverFields = kind.serverFields;
  const d = desired as JsonObject;
  const l = live as JsonObject;
  let defined = 0;
  for (const key in d) {
    if (!Object.prototype.hasOwnProperty.call(d, key) || d[key] === undefined) continue;
    if (serverFields.includes(key)) return false;
    defined += 1;
    if (key === 'id') continue;
    if (!Object.prototype.hasOwnProperty.call(l, key) || !sameJson(d[key], l[key])) return false;
  }
  for (const key in l) {
    if (Object.prototype.hasOwnProperty.call(l, key) && l[key] !== undefined && !serverFields.includes(key)) defined -= 1;
  }
  return defined === 0;
}

/**
 * Whether two comparison forms (`comparisonPair`) are equal, i.e. `diffFields` would find no
 * change.
 */
export function sameForms(want: JsonObject, have: JsonObject): boolean {
  return sameJson(want, have);
}

/**
 * Whether a live object shows stored schema defaults: it has a defaulted top-level field the
 * desired object does not set. Used to decide how plugin configurations are compared.
 */
export function showsStoredDefaults(kind: KindDescriptor, desired: ApisixObject, live: ApisixObject): boolean {
  return kind.defaultMarkers.some((field) => desired[field] === undefined && live[field] !== undefined);
}

/**
 * Drops from `live` what `desired` does not set, recursively through objects and through arrays
 * of equal length. Applied to plugin configurations only, and only on gateways that store
 * defaults: each plugin has its own schema defaults, which tagway cannot list, and they appear on
 * such a gateway as fields tagway never sent.
 */
function pruneToDesired(live: Json, desired: Json): Json {
  // `[]` stands for an empty object too (see emptyAsArray).
  const wanted = Array.isArray(desired) && desired.length === 0 ? {} : desired;
  if (isObject(live) && isObject(wanted)) {
    const out: JsonObject = {};
    for (const [key, value] of Object.entries(live)) {
      if (key in wanted) out[key] = pruneToDesired(value, wanted[key]);
    }
    return emptyAsArray(out);
  }
  if (Array.isArray(live) && Array.isArray(desired) && live.length === desired.length) {
    return live.map((item, i) => pruneToDesired(item, desired[i]));
  }
  return live;
}

/**
 * The pair of comparison forms for a desired object and the live object at the same id.
 * `storedDefaults` says the gateway fills in schema defaults (see `showsStoredDefaults`): plugin
 * fields present only on the live side are then taken for plugin defaults and not compared.
 */
export function comparisonPair(
  kind: KindDescriptor,
  desired: ApisixObject,
  live: ApisixObject,
  storedDefaults: boolean,
): readonly [JsonObject, JsonObject] {
  const want = normalizedDesired(kind, desired);
  const have = normalizeObject(kind, live);
  if (storedDefaults && isObject(have.plugins) && isObject(want.plugins)) {
    const plugins: JsonObject = {};
    for (const [name, conf] of Object.entries(have.plugins)) {
      plugins[name] = name in want.plugins ? pruneToDesired(conf, want.plugins[name]) : conf;
    }
    have.plugins = plugins;
  }
  return [want, have];
}

/** One changed field of an update, as a JSON pointer into the object. */
export interface FieldChange {
  readonly path: string;
  readonly op: 'add' | 'remove' | 'replace';
  /** Live value (absent for `add`). */
  readonly before?: Json;
  /** Snapshot value (absent for `remove`). */
  readonly after?: Json;
}

function pointerSegment(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

/**
 * Field-level differences from `before` (live) to `after` (snapshot), keys in code-point order.
 * Objects are walked; arrays and scalars are compared whole.
 */
export function diffFields(before: JsonObject, after: JsonObject, base = ''): FieldChange[] {
  const changes: FieldChange[] = [];
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  for (const key of keys) {
    const path = `${base}/${pointerSegment(key)}`;
    const b = before[key];
    const a = after[key];
    if (b === undefined && a !== undefined) changes.push({ path, op: 'add', after: a });
    else if (a === undefined && b !== undefined) changes.push({ path, op: 'remove', before: b });
    else if (isObject(b) && isObject(a)) changes.push(...diffFields(b, a, path));
    else if (!sameJson(a, b)) changes.push({ path, op: 'replace', before: b, after: a });
  }
  return changes;
}

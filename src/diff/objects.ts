import { formatPatch, OMIT_HEADERS, structuredPatch } from 'diff';
import { stringify } from 'yaml';
import { sortKeys } from '../core/canonical.js';
import { LABEL_GROUP, LABEL_SERVICE, LABEL_VERSION, type ApisixConfig, type ApisixObject } from '../model/apisix.js';
import { KINDS, type KindDescriptor } from '../apisix/kinds/index.js';
import { cmp } from '../model/diagnostic.js';
import { diffFields, sameJson } from '../apisix/normalize.js';
import type { FieldDiff, ObjectChangeKind, ObjectDiff } from './model.js';
import { maskSecretPair } from '../secrets/classify.js';

/**
 * The comparison forms of the objects at one id (`before` from the `from` side, `after` from the
 * `to` side). The default compares objects as they are, which is right for two snapshots; a
 * comparison with a gateway's live state passes the sync engine's normalisation here (server
 * fields and stored schema defaults dropped) so that they do not show as changes.
 */
export type ComparisonForms = (kind: KindDescriptor, before: ApisixObject, after: ApisixObject) => readonly [unknown, unknown];

export interface ObjectDiffOptions {
  readonly compare?: ComparisonForms;
  /** Lines of context around each change in `patch`. Default 3. */
  readonly context?: number;
}

/** The pointer of the version label, the only field of a `relabelled` object that changes. */
export const VERSION_LABEL_PATH = `/labels/${LABEL_VERSION}`;

/**
 * Fields that name or describe an object without changing how the gateway treats requests; a
 * change confined to them does not change routing (see impact.ts).
 */
export const DESCRIPTIVE_FIELDS: readonly string[] = ['/labels', '/name', '/desc'];

/**
 * YAML for people to read and diff: keys in code-point order at every level, block style, no
 * line folding. The same value always gives the same text, so formatting, comments and key order
 * of the source files never reach a diff.
 */
export function canonicalYaml(value: unknown): string {
  if (value === undefined) return '';
  return stringify(sortKeys(value), { lineWidth: 0, minContentWidth: 0 });
}

/** The service an object belongs to: its `tagway.service` label, else its id up to the first dot. */
/**
 * The service an object belongs to: its `tagway.service` label; '' for an object tagway labels
 * with a group but no service (a consumer); else the first part of its id.
 */
export function serviceOf(obj: ApisixObject): string {
  const labels = obj.labels;
  return labels?.[LABEL_SERVICE] ?? (labels?.[LABEL_GROUP] !== undefined ? '' : String(obj.id).split('.')[0]!);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Whether a field change lies at or below `path`. */
export function isAtOrBelow(change: { readonly path: string }, path: string): boolean {
  return change.path === path || change.path.startsWith(`${path}/`);
}

function classify(before: ApisixObject | undefined, after: ApisixObject | undefined, fields: readonly FieldDiff[]): ObjectChangeKind | null {
  if (before === undefined) return 'added';
  if (after === undefined) return 'removed';
  if (fields.length === 0) return null;
  return fields.every((f) => f.path === VERSION_LABEL_PATH) ? 'relabelled' : 'changed';
}

function diffOne(kind: KindDescriptor, id: string, before: ApisixObject | undefined, after: ApisixObject | undefined, options: ObjectDiffOptions): ObjectDiff | null {
  let formB: unknown = before;
  let formA: unknown = after;
  if (before !== undefined && after !== undefined && options.compare) [formB, formA] = options.compare(kind, before, after);
  // Equal forms mask alike and have no field changes: most objects of a large diff are these.
  if (before !== undefined && after !== undefined && sameJson(formB, formA)) return null;
  const masked = maskSecretPair<unknown>(formB, formA, kind.secretFields);
  const b = isRecord(masked.before) ? masked.before : {};
  const a = isRecord(masked.after) ? masked.after : {};
  const maskedPaths = [...masked.paths];
  const fields: FieldDiff[] = diffFields(b, a).map((f) => ({
    path: f.path,
    op: f.op,
    ...(f.before === undefined ? {} : { before: sortKeys(f.before) }),
    ...(f.after === undefined ? {} : { after: sortKeys(f.after) }),
    masked: maskedPaths.some((p) => p === f.path || p.startsWith(`${f.path}/`)),
  }));
  const change = classify(before, after, fields);
  if (change === null) return null;
  const patch = formatPatch(
    structuredPatch(id, id, canonicalYaml(masked.before), canonicalYaml(masked.after), undefined, undefined, { context: options.context ?? 3 }),
    OMIT_HEADERS,
  );
  const owner = after ?? before!;
  // A kind APISIX keeps no labels on (global rules) is a group's own, whatever its id says.
  return { kind: kind.name, id, service: kind.ownership.labels ? serviceOf(owner) : '', change, fields, patch };
}

/**
 * Every object that differs between two configurations, kind by kind in the registry's order
 * (upstreams → services → routes), then by id in code-point order. Objects are matched by id;
 * secrets are masked before anything is compared or rendered. Pure.
 */
export function diffObjects(before: ApisixConfig, after: ApisixConfig, options: ObjectDiffOptions = {}): ObjectDiff[] {
  const out: ObjectDiff[] = [];
  for (const kind of KINDS) {
    const b = new Map<string, ApisixObject>(before[kind.name].map((o) => [String(o.id), o]));
    const a = new Map<string, ApisixObject>(after[kind.name].map((o) => [String(o.id), o]));
    const ids = [...new Set([...b.keys(), ...a.keys()])].sort(cmp);
    for (const id of ids) {
      const diff = diffOne(kind, id, b.get(id), a.get(id), options);
      if (diff) out.push(diff);
    }
  }
  return out;
}

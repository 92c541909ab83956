/**
 * How APISIX objects refer to each other by id, and how messages name an object. Used by the
 * planner (deletes still in use), the diff (what a change affects) and the preflight (objects of
 * kinds tagway does not write that use its objects). Each kind declares its references
 * (`ReferenceRule`, src/apisix/kinds/descriptor.ts); this walks them.
 */
import type { ApisixKind, ObjectRef } from '../model/apisix.js';
import { KINDS, REFERRER_KINDS, type ReferenceRule, type ReferrerKind, type ResourceType } from './kinds/index.js';

const SINGULAR: ReadonlyMap<string, string> = new Map([...KINDS, ...REFERRER_KINDS].map((k) => [k.name, k.singular]));

/** `route petstore.list`: how messages name an object. */
export function describeObject(kind: ApisixKind | ReferrerKind, id: string): string {
  return `${SINGULAR.get(kind) ?? kind} ${id}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Adds to `refs` each id at `rule.at` below `value`, from segment `i` on. */
function collect(value: unknown, rule: ReferenceRule, i: number, refs: ObjectRef[]): void {
  if (i === rule.at.length) {
    if (value !== undefined) refs.push({ kind: rule.kind, id: String(value) });
    return;
  }
  const segment = rule.at[i]!;
  if (segment === '*') {
    if (Array.isArray(value)) for (const item of value) collect(item, rule, i + 1, refs);
    return;
  }
  // Objects are walked; an array or a scalar on the way holds nothing to follow.
  if (isRecord(value)) collect(value[segment], rule, i + 1, refs);
}

/**
 * The objects `obj` (of `kind`) refers to by id, rule by rule in the kind's order (which is the
 * order APISIX's delete checkers find them, `apisix/admin/{services,upstreams}.lua`).
 */
export function referencesOf(kind: ResourceType, obj: Readonly<Record<string, unknown>>): ObjectRef[] {
  const refs: ObjectRef[] = [];
  for (const rule of kind.references) collect(obj, rule, 0, refs);
  return refs;
}

/**
 * Objects of the kinds tagway does not write that can use an upstream or a service. A plan that
 * deletes an upstream or a service one of them still uses would fail half-way on APISIX (its
 * delete checkers refuse, after earlier writes of the run) or leave the object pointing at
 * nothing (a stream route's `upstream_id` is not checked by APISIX): such a delete is a
 * `still-referenced` conflict, found before any write.
 */
import type { Conflict, Plan } from './plan.js';
import type { ObjectRef } from '../model/apisix.js';
import { describeObject, referencesOf } from '../apisix/references.js';
import { REFERRER_KINDS, bodyKey, type ReferrerKind, type ResourceType } from '../apisix/kinds/index.js';

/** An object of a `ReferrerKind`, reduced to what it uses. */
export interface Referrer {
  readonly kind: ReferrerKind;
  /** Its id (a consumer's `username`). */
  readonly id: string;
  readonly uses: readonly ObjectRef[];
}

/** What an object of `kind` uses, or null when it uses nothing. Its id is its kind's id field (a consumer's `username`). */
export function referrerOf(kind: ResourceType<ReferrerKind>, obj: Readonly<Record<string, unknown>>): Referrer | null {
  const uses = referencesOf(kind, obj);
  if (uses.length === 0) return null;
  const key = bodyKey(kind, obj);
  return { kind: kind.name, id: String(key ?? obj.id), uses };
}

/**
 * The referrers in a whole configuration document (a standalone `apisix.yaml`, or what
 * `GET /apisix/admin/configs` returns): the lists under the `REFERRER_KINDS` keys. Anything that
 * is not a list of objects is skipped; APISIX would refuse it, and tagway does not write it.
 */
export function referrersIn(doc: Readonly<Record<string, unknown>>): Referrer[] {
  const found: Referrer[] = [];
  for (const kind of REFERRER_KINDS) {
    const items = doc[kind.standalone.key];
    if (!Array.isArray(items)) continue;
    for (const item of items) {
      if (typeof item !== 'object' || item === null || Array.isArray(item)) continue;
      const referrer = referrerOf(kind, item as Record<string, unknown>);
      if (referrer !== null) found.push(referrer);
    }
  }
  return found;
}

/** The kinds a referrer kind can refer to (upstreams and services): deletes of those are what referrers can block. */
const REFERABLE: ReadonlySet<string> = new Set(REFERRER_KINDS.flatMap((k) => k.references.map((r) => r.kind)));

/** Whether a plan deletes an object a referrer can use (an upstream or a service): only then are referrers worth reading. */
export function deletesReferable(plan: Plan): boolean {
  return plan.steps.some((s) => s.op === 'delete' && REFERABLE.has(s.kind));
}

/** `still-referenced` conflicts of `plan`'s deletes that a referrer uses, one per deleted object. */
export function referrerConflicts(plan: Plan, referrers: readonly Referrer[]): Conflict[] {
  const deleted = new Set(plan.steps.filter((s) => s.op === 'delete').map((s) => `${s.kind}/${s.id}`));
  const seen = new Set(plan.conflicts.filter((c) => c.code === 'still-referenced').map((c) => `${c.kind}/${c.id}`));
  const conflicts: Conflict[] = [];
  for (const referrer of referrers) {
    for (const ref of referrer.uses) {
      const key = `${ref.kind}/${ref.id}`;
      if (!deleted.has(key) || seen.has(key)) continue;
      seen.add(key);
      const user = describeObject(referrer.kind, referrer.id);
      const target = describeObject(ref.kind, ref.id);
      conflicts.push({
        code: 'still-referenced',
        kind: ref.kind,
        id: ref.id,
        referencedBy: { kind: referrer.kind, id: referrer.id },
        message: `${target} is no longer in the snapshot, but ${user} still uses it, so it cannot be deleted`,
        hint: `change or remove ${user} first (tagway does not manage it), or keep ${target} in the snapshot`,
      });
    }
  }
  return conflicts;
}

/** Wording shared by the text and markdown renderers. */
import type { ApisixKind } from '../model/apisix.js';
import { HTTP_METHODS } from './impact.js';
import type { DiffSide, GroupDiff, ObjectChangeKind, ObjectCounts, VersionChange } from './model.js';
import type { ObjectRef } from '../model/apisix.js';
import { kindNamed } from '../apisix/kinds/index.js';
import { describeObject } from '../apisix/references.js';

/** `route`: how the renderers name one object of a kind. */
export function kindName(kind: ApisixKind): string {
  return kindNamed(kind).singular;
}

/** `route petstore.list`. */
export function describeRef(ref: ObjectRef): string {
  return describeObject(ref.kind, ref.id);
}

export const CHANGE_SYMBOL: Readonly<Record<ObjectChangeKind, string>> = { added: '+', removed: '-', changed: '~', relabelled: '=' };

/** `1.0.0 → 1.1.0`, `new at 1.1.0`, `1.0.0, removed`, `1.0.0` (same version, runtime settings changed). */
export function describeVersion(v: VersionChange): string {
  if (v.before === null && v.after === null) return 'not published';
  if (v.before === null) return `new at ${v.after}`;
  if (v.after === null) return `${v.before}, removed`;
  if (v.before === v.after) return `${v.after} (same version)`;
  return `${v.before} → ${v.after}`;
}

/** `GET POST`, or `any method` when a route matches them all. */
export function describeMethods(methods: readonly string[]): string {
  return methods.length === HTTP_METHODS.length && HTTP_METHODS.every((m) => methods.includes(m)) ? 'any method' : methods.join(' ');
}

export function describeHost(host: string | null): string {
  return host ?? 'any host';
}

/** `merge base with main @ 1a2b3c4d5e6f`, `worktree (draft)`. */
export function describeSide(side: DiffSide): string {
  return `${side.label}${side.commit === null ? '' : ` @ ${side.commit.slice(0, 12)}`}${side.draft ? ' (draft)' : ''}`;
}

export function describeStatus(group: GroupDiff): string {
  switch (group.status) {
    case 'added':
      return 'new group';
    case 'removed':
      return 'group removed';
    case 'changed':
      return 'changes';
    case 'unchanged':
      return 'no changes';
  }
}

/** `1 added, 2 changed, 4 relabelled`; `no object changes` when all are zero. */
export function describeCounts(counts: ObjectCounts): string {
  const parts = (['added', 'removed', 'changed', 'relabelled'] as const).filter((k) => counts[k] > 0).map((k) => `${counts[k]} ${k}`);
  return parts.length > 0 ? parts.join(', ') : 'no object changes';
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

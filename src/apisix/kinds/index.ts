/**
 * The registry of kinds (README.md beside this file) and what follows from it: the order kinds
 * are written and deleted in, lookups by name, configurations with a list per kind, and the
 * bodies and paths of objects as APISIX takes them.
 */
import type { ApisixConfig, ApisixKind, ApisixObject } from '../../model/apisix.js';
import type { KindDescriptor, ResourceType } from './descriptor.js';
import { REGISTRY } from './registry.js';

export type { AdminPaths, Defaults, IdRule, KindDescriptor, Ownership, ReferenceRule, ResourceType, StandalonePlace } from './descriptor.js';
export { REFERRER_KIND, REFERRER_KINDS, type ReferrerKind } from './referrer-kinds.js';

/**
 * The order creates and updates go in: each kind after every kind it refers to (`references`),
 * kinds that do not depend on each other by name in code-point order. Deletes go the reverse
 * order, so no write refers to an object that does not exist yet and no delete removes one still
 * in use. Throws when references go round in a circle (no order would do).
 */
export function phaseOrder(kinds: readonly KindDescriptor[]): KindDescriptor[] {
  const names = new Set(kinds.map((k) => k.name));
  const pending = [...kinds].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const placed = new Set<string>();
  const order: KindDescriptor[] = [];
  while (pending.length > 0) {
    const next = pending.findIndex((k) => k.references.every((r) => r.kind === k.name || !names.has(r.kind) || placed.has(r.kind)));
    if (next < 0) throw new Error(`kinds refer to each other in a circle: ${pending.map((k) => k.name).join(', ')}`);
    const [kind] = pending.splice(next, 1);
    order.push(kind!);
    placed.add(kind!.name);
  }
  return order;
}

/** Every registered kind by name. */
export const KIND: { readonly [K in ApisixKind]: KindDescriptor<K> } = REGISTRY;

/** Every registered kind, in the order creates and updates go (`phaseOrder`). */
export const KINDS: readonly KindDescriptor[] = phaseOrder(Object.values<KindDescriptor>(REGISTRY));

/** Every registered kind in the order deletes go: the reverse of `KINDS`. */
export const KINDS_TO_DELETE: readonly KindDescriptor[] = [...KINDS].reverse();

/** The names of `KINDS`, in that order. */
export const KIND_NAMES: readonly ApisixKind[] = KINDS.map((k) => k.name);

const BY_NAME: ReadonlyMap<string, KindDescriptor> = new Map(KINDS.map((k) => [k.name, k]));
const RANK: ReadonlyMap<string, number> = new Map(KINDS.map((k, i) => [k.name, i]));

/** The kind of that name. Throws for a name that is not registered (a bug: names come from the registry). */
export function kindNamed(name: ApisixKind): KindDescriptor {
  const kind = BY_NAME.get(name);
  if (kind === undefined) throw new Error(`no kind named ${name}`);
  return kind;
}

/** Whether `name` is a registered kind. */
export function isKindName(name: string): name is ApisixKind {
  return BY_NAME.has(name);
}

/** The place of a kind in `KINDS` (creates and updates first to last); registered kinds only. */
export function kindRank(name: ApisixKind): number {
  return RANK.get(name) ?? KINDS.length;
}

/**
 * A configuration with each kind's list from `objects` (called once per kind with its place in
 * `KINDS`, in that order). The caller promises each list holds objects of its kind.
 */
export function configOf(objects: (kind: KindDescriptor, index: number) => readonly ApisixObject[]): ApisixConfig {
  const config: Record<string, readonly ApisixObject[]> = {};
  KINDS.forEach((kind, i) => (config[kind.name] = objects(kind, i)));
  return config as ApisixConfig;
}

/** A configuration without objects. */
export function emptyConfig(): ApisixConfig {
  return configOf(() => []);
}

/** Each kind's value from `make`, by kind name (e.g. a list to fill in per kind). */
export function perKind<T>(make: (kind: KindDescriptor) => T): Record<ApisixKind, T> {
  const out: Partial<Record<ApisixKind, T>> = {};
  for (const kind of KINDS) out[kind.name] = make(kind);
  return out as Record<ApisixKind, T>;
}

/** How many objects `config` holds, all kinds together. */
export function objectCount(config: ApisixConfig): number {
  let n = 0;
  for (const kind of KINDS) n += config[kind.name].length;
  return n;
}

/**
 * The Admin API path of one object (`/apisix/admin/routes/petstore.list`): the kind's object path
 * with the id in place of `{id}`, each `/`-separated segment of the id URL-encoded.
 */
export function objectPath(kind: ResourceType, id: string): string {
  const encoded = id.includes('/') ? id.split('/').map(encodeURIComponent).join('/') : encodeURIComponent(id);
  return `/apisix/admin/${kind.admin.object.replace('{id}', encoded)}`;
}

/** The key of an object as read (its id field), or undefined when it has none that can be one. */
export function bodyKey(kind: ResourceType, body: Readonly<Record<string, unknown>>): string | number | undefined {
  const key = body[kind.id.field];
  return typeof key === 'string' || typeof key === 'number' ? key : undefined;
}

/**
 * An object as APISIX takes it in a standalone file or configuration: without the `id` when the
 * kind keys its objects by another field (the `id` is tagway's copy of that field, see `IdRule`).
 * The object itself for the kinds keyed by `id`.
 */
export function bodyOf(kind: ResourceType, obj: ApisixObject): Record<string, unknown> {
  if (kind.id.field === 'id') return obj;
  const { id: _id, ...body } = obj;
  return body;
}

/** One list of a standalone file: its key and the kinds whose objects it holds. */
export interface StandaloneList {
  readonly key: string;
  /** In `KINDS` order; more than one where kinds share the key (see `StandalonePlace.holds`). */
  readonly kinds: readonly KindDescriptor[];
}

/** The lists of a standalone `apisix.yaml` that tagway writes: each key once, in code-point order. */
export const STANDALONE_LISTS: readonly StandaloneList[] = [...new Set(KINDS.map((k) => k.standalone.key))]
  .sort()
  .map((key) => ({ key, kinds: KINDS.filter((k) => k.standalone.key === key) }));

/** The items of a standalone list that are objects of `kind` (all of them unless kinds share the key). */
export function standaloneItemsOf(kind: ResourceType, items: readonly unknown[]): unknown[] {
  const holds = kind.standalone.holds;
  if (holds === undefined) return [...items];
  return items.filter((item) => typeof item === 'object' && item !== null && !Array.isArray(item) && holds(item as Record<string, unknown>));
}

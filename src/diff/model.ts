import type { ApisixConfig, ApisixKind, ObjectRef } from '../model/apisix.js';

/** Version of the JSON document `tagway diff --format json` prints (docs/diff.md). */
export const DIFF_FORMAT = 'tagway.diff/v1';

/**
 * What happened to one gateway object between the two sides:
 * - `added` / `removed`: the id exists on one side only;
 * - `changed`: fields other than the `tagway.version` label differ;
 * - `relabelled`: only the `tagway.version` label differs (the service's version moved and this
 *   object stayed the same). Reported apart so a version bump does not bury the real changes.
 */
export type ObjectChangeKind = 'added' | 'removed' | 'changed' | 'relabelled';

/** One changed field of an object, as a JSON pointer. Values are already masked (see `masked`). */
export interface FieldDiff {
  readonly path: string;
  readonly op: 'add' | 'remove' | 'replace';
  /** Value on the `from` side; absent for `add`. */
  readonly before?: unknown;
  /** Value on the `to` side; absent for `remove`. */
  readonly after?: unknown;
  /** A secret was masked at or below this path: the values shown are placeholders. */
  readonly masked: boolean;
}

export interface ObjectDiff {
  readonly kind: ApisixKind;
  readonly id: string;
  /** The service the object belongs to (its `tagway.service` label, else the id up to the first dot). */
  readonly service: string;
  readonly change: ObjectChangeKind;
  /** Changed fields in code-point order of their paths; objects are walked, arrays compared whole. */
  readonly fields: readonly FieldDiff[];
  /** Unified-diff hunks (no file headers) of the object's canonical YAML, masked. */
  readonly patch: string;
}

/** A service's running version on each side; null where the group does not run the service. */
export interface VersionChange {
  readonly before: string | null;
  readonly after: string | null;
}

/** One service of a group that changes: its version (possibly the same on both sides) and objects. */
export interface ServiceDiff {
  readonly service: string;
  readonly version: VersionChange;
  /** Ordered upstreams → services → routes, then by id. */
  readonly objects: readonly ObjectDiff[];
}

/**
 * How requests to one host + path are routed differently:
 * - `starts`: the `to` side routes these requests and the `from` side did not;
 * - `stops`: the reverse;
 * - `changes`: both route them, but through another route or through a route, service or
 *   upstream whose gateway-relevant fields changed (`causes`).
 */
export interface RoutingChange {
  readonly change: 'starts' | 'stops' | 'changes';
  /** null: any host (a route with no hosts of its own or its service's). */
  readonly host: string | null;
  /** A route uri as written (`/pets/*`). */
  readonly path: string;
  /** HTTP methods, in APISIX's order; all ten of them when the route has no `methods`. */
  readonly methods: readonly string[];
  /** Ids of the routes matching on the side that routes them (`to`, or `from` for `stops`). */
  readonly routes: readonly string[];
  /** For `changes`: the objects whose change alters the routing, ordered by kind then id. */
  readonly causes: readonly ObjectRef[];
}

export interface ObjectCounts {
  readonly added: number;
  readonly removed: number;
  readonly changed: number;
  readonly relabelled: number;
}

export type GroupStatus = 'added' | 'removed' | 'changed' | 'unchanged';

export interface GroupDiff {
  readonly group: string;
  /** `added` / `removed`: the group exists on one side only. */
  readonly status: GroupStatus;
  readonly digest: { readonly before: string | null; readonly after: string | null };
  readonly counts: ObjectCounts;
  /** Services whose version or objects change, by name. */
  readonly services: readonly ServiceDiff[];
  /**
   * Objects of the group that belong to no service (its consumer groups and consumers: labelled
   * with the group, not with a service), in kind and id order.
   */
  readonly groupObjects: readonly ObjectDiff[];
  /** Ordered by host (any-host last), path, change. */
  readonly impact: readonly RoutingChange[];
}

/** One side of a comparison as the reader should see it named. */
export interface DiffSide {
  /** e.g. `main (merge base)`, `worktree`, `v1.2`; for a live side, the target's name. */
  readonly label: string;
  /** The commit compiled, or null for the worktree (or a live target). */
  readonly commit: string | null;
  /** Compiled from the worktree templates instead of the published versions. */
  readonly draft: boolean;
}

export interface DiffReport {
  readonly format: typeof DIFF_FORMAT;
  readonly from: DiffSide;
  readonly to: DiffSide;
  /** Some group is not `unchanged`. */
  readonly changed: boolean;
  /** By group name. */
  readonly groups: readonly GroupDiff[];
}

/**
 * What a group runs (or would run) on one side, from a snapshot (`groupStateFromSnapshot`) or
 * from a gateway's live objects (`groupStateFromConfig`).
 */
export interface GroupState {
  readonly config: ApisixConfig;
  /** Service → version it runs. */
  readonly versions: ReadonlyMap<string, string>;
  /** The snapshot digest; null when not known (live state). */
  readonly digest: string | null;
}

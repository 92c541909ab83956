/**
 * The shape of a kind module (README.md beside this file): what every stage needs to know about
 * one APISIX resource type, as data. Types only.
 */
import type { ApisixKind, ApisixObject } from '../../model/apisix.js';
import type { ApisixObjectKind } from '../validator/index.js';

/**
 * Where and how objects of an APISIX resource type are found, named and read, and what they refer
 * to: what the preflight needs of the kinds tagway only reads (referrer-kinds.ts), and the part
 * of a `KindDescriptor` every kind has.
 */
export interface ResourceType<N extends string = string> {
  /** The Admin API resource (`routes`); for a kind tagway writes, its key in a configuration and a snapshot. */
  readonly name: N;
  /** How messages name one object: `route`, `plugin config` (`route petstore.list`). */
  readonly singular: string;
  readonly admin: AdminPaths;
  readonly id: IdRule;
  readonly standalone: StandalonePlace;
  /**
   * How its objects refer to objects of the kinds tagway writes, in the order APISIX checks them
   * (a delete of a referred object that is still used is a `still-referenced` conflict). For a
   * kind tagway writes, also its place in the apply order (see `phaseOrder` in index.ts).
   */
  readonly references: readonly ReferenceRule[];
}

/** Paths of the Admin API v3, below `/apisix/admin/`. */
export interface AdminPaths {
  /** The list of every object (`routes`), read in pages. */
  readonly list: string;
  /**
   * One object: `{id}` stands for the object's id with each `/`-separated segment URL-encoded
   * (`routes/{id}`; a secret `vault/1` at `secrets/{id}` is `secrets/vault/1`).
   */
  readonly object: string;
}

/**
 * How an object's id is found. Every object of a configuration has an `id` (tagway's key, by which
 * the planner matches objects); a kind APISIX keys by another body field (a consumer's `username`)
 * names that field here: objects read from a gateway get their `id` from it, and bodies sent to
 * one (a PUT, the standalone file) leave the `id` out.
 */
export interface IdRule {
  /** The body field APISIX keys the object by: `id`, or e.g. `username`. */
  readonly field: string;
}

/** How the kind appears in a standalone `apisix.yaml` (and `PUT /apisix/admin/configs`). */
export interface StandalonePlace {
  /** The file's top-level key for the kind's list (`routes`, `ssls`); `<key>_conf_version` is its version. */
  readonly key: string;
  /**
   * For kinds that share a key (APISIX lists credentials among `consumers`): whether an item of
   * the key's list is this kind's. Absent: every item is.
   */
  readonly holds?: (item: Readonly<Record<string, unknown>>) => boolean;
}

/**
 * One way an object refers to an object of `kind`: the id at path `at` in the object (`*` is
 * every item of an array). `['service_id']`;
 * `['plugins', 'traffic-split', 'rules', '*', 'weighted_upstreams', '*', 'upstream_id']`.
 */
export interface ReferenceRule {
  readonly kind: ApisixKind;
  readonly at: readonly string[];
}

/**
 * Who manages an object of the kind. With `labels`, an object is tagway's when it carries
 * `managed-by: tagway` and its group in `tagway.group` (src/sync/README.md "Ownership"); a kind
 * without labels (plugin metadata, global rules) declares its own rule, e.g. from an id prefix or
 * a marker in `desc`. Lease objects (`tagway.lease`) are never a group's, whatever this says.
 */
export interface Ownership {
  /** Whether APISIX stores `labels` on the kind, so tagway writes its ownership labels there. */
  readonly labels: boolean;
  /** The tagway group that manages `obj`, or null when tagway does not. */
  readonly claimedBy: (obj: ApisixObject) => string | null;
  /** How a user hands `name` (`route petstore.list`), an object nobody manages, over to `group`. */
  readonly adopt: (name: string, group: string) => string;
}

/**
 * APISIX schema defaults of one object (or nested object) type (`apisix/schema_def.lua`): a field
 * equal to its default is dropped on both sides before comparing (normalize.ts).
 */
export interface Defaults {
  /** Field → default value. */
  readonly values?: Readonly<Record<string, unknown>>;
  /** Field → defaults inside that (object) field. */
  readonly fields?: Readonly<Record<string, Defaults>>;
  /** Field → defaults inside each element of that (array) field. */
  readonly items?: Readonly<Record<string, Defaults>>;
  /** Fields never compared: what the gateway returns is not what was sent. */
  readonly ignored?: readonly string[];
}

/** A problem `checkResolved` finds: the field at fault (a path of keys) and why, in words that hold no secret. */
export interface ResolvedProblem {
  readonly field: readonly string[];
  readonly problem: string;
}

/** Everything the stages know about one kind tagway writes: one module per kind, listed in registry.ts. */
export interface KindDescriptor<K extends ApisixKind = ApisixKind> extends ResourceType<K> {
  readonly ownership: Ownership;
  /**
   * Fields the gateway sets on its own and tagway never sends: dropped before comparing and from
   * every body sent (APISIX refuses its timestamps in a PUT).
   */
  readonly serverFields: readonly string[];
  /** APISIX's schema defaults of the kind (see `Defaults`). */
  readonly defaults: Defaults;
  /**
   * Top-level defaulted fields whose presence on a live object (and absence from the snapshot)
   * shows a gateway that stores schema defaults (APISIX before 3.14; normalize.ts).
   */
  readonly defaultMarkers: readonly string[];
  /**
   * JSON pointers of fields that hold a secret whatever they are called (an SSL's `/key`): masked
   * in diffs and reports on top of what src/secrets/classify.ts finds by name and by value.
   */
  readonly secretFields: readonly string[];
  /**
   * The secret fields an object of the kind holds (paths of keys from its root), which the
   * repository gives as references, never literals (TW3022: `env:NAME` and `file:PATH`, resolved
   * by sync in memory, or the gateway's `$env://` and `$secret://`). Absent: the kind has none that
   * tagway resolves. A group-level file holds them at the same paths as its object.
   */
  readonly secretPaths?: (obj: Readonly<Record<string, unknown>>) => readonly (readonly string[])[];
  /**
   * Fields besides the secret ones that the repository may give as references (an SSL's
   * certificates, kept in a file beside their key): resolved by sync as secret fields are, but
   * not secret (a literal is fine, and they are not masked). Absent: none.
   */
  readonly referencePaths?: (obj: Readonly<Record<string, unknown>>) => readonly (readonly string[])[];
  /**
   * What sync checks of an object once its references are resolved, before anything is written
   * (an SSL's key belongs to its certificate): each problem as the field at fault and why,
   * never a secret's value. Absent: nothing.
   */
  readonly checkResolved?: (obj: Readonly<Record<string, unknown>>) => readonly ResolvedProblem[];
  /** The object type of APISIX's schema that compile checks emitted objects against; null: none. */
  readonly schema: ApisixObjectKind | null;
  /**
   * A resource type some gateways do not serve (consumer groups came with APISIX 3.0): where the
   * Admin API answers its list with 404 (or 400 "disabled"), the kind reads as empty. Absent: a
   * gateway that does not serve it is an error.
   */
  readonly optional?: boolean;
}

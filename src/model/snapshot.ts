import type { ApisixConfig, ApisixKind } from './apisix.js';

export const SNAPSHOT_FORMAT = 'tagway.snapshot/v1';

/** Which version of which service a snapshot was compiled from. */
export interface ServiceProvenance {
  readonly name: string;
  /** Semver of the tag, or `draft` for a draft snapshot. */
  readonly version: string;
  /** `<service>/v<version>`, or null for a draft. */
  readonly tag: string | null;
  /** Commit the template was read at, or null when read from the worktree. */
  readonly commit: string | null;
  /** Template and overlay files the service's objects came from (repo-relative). */
  readonly template: string;
  readonly overlay: string | null;
}

export interface Provenance {
  /** Commit of the overlays / group.yaml (null when compiled from the worktree). */
  readonly commit: string | null;
  readonly services: readonly ServiceProvenance[];
}

/**
 * The gateway objects a group takes over (from `gateway-groups/<group>/adopt.yaml`, docs/adoption.md):
 * per kind, the gateway's id → the id of the snapshot's object that replaces it (the same id:
 * taken over in place). Kinds and ids in code-point order; a kind with no entry is absent.
 */
export type SnapshotAdoption = { readonly [K in ApisixKind]?: Readonly<Record<string, string>> };

/**
 * One gateway group's compiled configuration (`dist/<group>/snapshot.json`). `digest` is
 * `sha256:<hex>` of the canonical JSON of `apisix` only, so two commits with the same effective
 * configuration have the same digest.
 */
export interface Snapshot {
  readonly format: typeof SNAPSHOT_FORMAT;
  readonly group: string;
  readonly draft: boolean;
  readonly provenance: Provenance;
  readonly apisix: ApisixConfig;
  readonly digest: string;
  /**
   * What the group takes over on its gateways; absent when nothing. Not covered by `digest`
   * (the objects that reach the gateway are the same with or without it), covered by a signature.
   */
  readonly adopt?: SnapshotAdoption;
}

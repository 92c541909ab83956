/**
 * The data an import passes between its parts (src/import/README.md): what was read from a
 * gateway, what the repository cannot hold, the variables a user must set, and which of the
 * gateway's objects the group takes over.
 */
import type { ApisixKind } from '../model/apisix.js';
import type { SnapshotAdoption } from '../model/snapshot.js';

export type { GatewaySource, SourceFormat, Unexpressed } from '../model/gateway-source.js';

/**
 * A secret the import took out of the source and replaced by a reference: the user sets `name`
 * where the reference is read. `sync`: tagway's `env:NAME`, resolved by `tagway sync` in memory;
 * `gateway`: APISIX's `$env://NAME`, read by the gateway from its own environment.
 */
export interface SecretVariable {
  readonly name: string;
  readonly readBy: 'sync' | 'gateway';
  readonly kind: ApisixKind;
  readonly id: string;
  /** JSON pointer of the field below the object. */
  readonly field: string;
}

/**
 * Which gateway objects a group takes over, by kind: the gateway's id → the id of the object
 * tagway emits in its place: the adoption record (`gateway-groups/<group>/adopt.yaml`), which a
 * snapshot carries as `adopt` (docs/adoption.md).
 */
export type AdoptionMap = SnapshotAdoption;

/**
 * The data an import passes between its parts (src/import/README.md): what was read from a
 * gateway, what the repository cannot hold, the variables a user must set, and which of the
 * gateway's objects the group takes over.
 */
import type { ApisixConfig, ApisixKind } from '../model/apisix.js';

/** Where a gateway's configuration is read from. */
export type SourceFormat = 'apisix' | 'standalone' | 'adc';

/** A gateway's objects as the gateway (or a file for one) holds them: ids as strings, each kind sorted by id. */
export interface GatewaySource {
  readonly format: SourceFormat;
  /** Where it came from, for messages: the Admin API's URL or the file's path. */
  readonly origin: string;
  readonly config: ApisixConfig;
  /** What the reader could not take in (an entry of no known kind, a field of no known object). */
  readonly unexpressed: readonly Unexpressed[];
}

/**
 * Something of the source that the written repository does not hold, named by object and field:
 * nothing is dropped without one of these, and an import that has any says so in its exit code.
 */
export interface Unexpressed {
  /** An APISIX kind, or the source's own name for an entry of no known kind. */
  readonly kind: ApisixKind | string;
  readonly id: string;
  /** The field, as a JSON pointer below the object (`/plugins/ext-plugin-pre-req`); absent: the whole object. */
  readonly field?: string;
  readonly reason: string;
}

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
 * tagway emits in its place. The same id on both sides: the object is taken over in place;
 * otherwise tagway's object is made first and the gateway's is deleted after it (docs/adoption.md).
 */
export type AdoptionMap = { readonly [K in ApisixKind]?: Readonly<Record<string, string>> };

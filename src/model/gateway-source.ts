/**
 * A gateway's configuration as read from outside the repository (a running gateway, an APISIX
 * standalone file, an ADC file): the shape every reader returns, so readers below the import
 * (src/apisix/adc) and the import itself (src/import) share it without importing each other.
 */
import type { ApisixConfig, ApisixKind } from './apisix.js';

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

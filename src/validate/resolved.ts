/**
 * A service as a gateway group runs it, after the merge of its template with the group's overlay
 * (src/compile/merge.ts): the shape the `service`-scoped rules check, with where each runtime
 * value came from.
 */
import type { CanarySpec, DiscoverySpec, NodeSpec, UpstreamSpec } from '../model/config.js';
import type { YamlFile } from '../load/yaml-file.js';
import type { OverlayEntry, TemplateEntry } from './entries.js';

/** Where a merged value came from, so a later finding can point at its line. */
export interface Origin {
  readonly file: YamlFile;
  readonly pointer: string;
}

export interface Sourced<T> {
  readonly value: T;
  readonly from: Origin;
}

/** Upstream policy (template only) plus its runtime endpoints (template default or overlay). */
export interface MergedUpstream {
  readonly policy: Omit<UpstreamSpec, 'nodes' | 'discovery'>;
  readonly nodes: Sourced<readonly NodeSpec[]> | null;
  readonly discovery: Sourced<DiscoverySpec> | null;
}

/**
 * One service as a gateway group runs it: the template at its published version merged with the
 * group's runtime overlay. Runtime fields (hosts, path_prefix, strip_path_prefix, upstream nodes
 * or discovery, canary) come from the overlay when it sets them, each replacing the template's
 * value as a whole; everything else comes from the template.
 */
export interface ResolvedService {
  readonly name: string;
  /** Semver of the published version, or `draft`. */
  readonly version: string;
  readonly template: TemplateEntry;
  readonly overlay: OverlayEntry | null;
  readonly hosts: Sourced<readonly string[]> | null;
  readonly pathPrefix: Sourced<string> | null;
  readonly stripPathPrefix: Sourced<boolean> | null;
  readonly upstream: MergedUpstream;
  readonly canary: Sourced<CanarySpec> | null;
}

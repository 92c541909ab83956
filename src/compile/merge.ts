import type { CanarySpec, DiscoverySpec, NodeSpec, UpstreamSpec } from '../model/config.js';
import type { YamlFile } from '../load/yaml-file.js';
import type { OverlayEntry, TemplateEntry } from '../validate/entries.js';

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

/** Pure: template ⊕ overlay. Neither input is modified. */
export function mergeService(template: TemplateEntry, overlay: OverlayEntry | null, version: string): ResolvedService {
  const t = template.spec;
  const o = overlay?.spec;
  const pick = <K extends 'hosts' | 'path_prefix' | 'strip_path_prefix'>(key: K) => {
    if (o && o[key] !== undefined) return { value: o[key]!, from: { file: overlay!.file, pointer: `/${key}` } };
    if (t[key] !== undefined) return { value: t[key]!, from: { file: template.file, pointer: `/${key}` } };
    return null;
  };
  const { nodes: templateNodes, discovery: templateDiscovery, ...policy } = t.upstream ?? {};
  // Endpoints are replaced as a unit: an overlay that sets nodes also drops the template's
  // discovery default, and the other way round.
  const overlayEndpoints = o?.upstream && (o.upstream.nodes !== undefined || o.upstream.discovery !== undefined);
  const endpointSource = overlayEndpoints
    ? { spec: o!.upstream!, file: overlay!.file }
    : { spec: { nodes: templateNodes, discovery: templateDiscovery }, file: template.file };
  return {
    name: template.service,
    version,
    template,
    overlay,
    hosts: pick('hosts'),
    pathPrefix: pick('path_prefix'),
    stripPathPrefix: pick('strip_path_prefix'),
    upstream: {
      policy,
      nodes: endpointSource.spec.nodes ? { value: endpointSource.spec.nodes, from: { file: endpointSource.file, pointer: '/upstream/nodes' } } : null,
      discovery: endpointSource.spec.discovery
        ? { value: endpointSource.spec.discovery, from: { file: endpointSource.file, pointer: '/upstream/discovery' } }
        : null,
    },
    canary: o?.canary ? { value: o.canary, from: { file: overlay!.file, pointer: '/canary' } } : null,
  };
}

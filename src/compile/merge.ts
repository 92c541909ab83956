import type { OverlayEntry, TemplateEntry } from '../validate/entries.js';
import type { ResolvedService } from '../validate/resolved.js';

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

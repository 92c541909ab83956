import type { ApisixConfig, ApisixKind, ApisixPluginConfig, ApisixRoute, ApisixService, ApisixStreamRoute, ApisixUpstream, Labels } from '../model/apisix.js';
import { canonicalJson, sha256Digest } from '../core/canonical.js';
import { LABEL_CANARY_ID, LABEL_CANARY_PAUSE, LABEL_CANARY_STEPS, LABEL_GROUP, LABEL_MANAGED_BY, LABEL_MANAGED_BY_VALUE, LABEL_SERVICE, LABEL_VERSION } from '../model/apisix.js';
import type { DiscoverySpec, NodeSpec, Plugins } from '../model/config.js';
import { emptyConfig } from '../apisix/kinds/index.js';
import { inKeyOrder } from '../core/canonical.js';
import { cmp } from '../model/diagnostic.js';
import { prefixedUri, stripPrefixRegex } from '../core/route-paths.js';
import type { Origin } from '../validate/resolved.js';
import type { MergedUpstream } from '../validate/resolved.js';
import type { ResolvedService } from '../validate/resolved.js';

/** Id of the canary upstream of a service. */
export function canaryUpstreamId(service: string): string {
  return `${service}.canary`;
}

export function routeId(service: string, route: string): string {
  return `${service}.${route}`;
}

/** Id of a service's stream route: `<service>.<name>`, as a route's (another kind, so they never collide). */
export function streamRouteId(service: string, name: string): string {
  return `${service}.${name}`;
}

/** Id of a service's plugin config: `<service>.<name>` (two names of at most 31 characters fit APISIX's 64). */
export function pluginConfigId(service: string, name: string): string {
  return `${service}.${name}`;
}

/** An emitted object and the file + pointer it came from (for positioned errors about it). */
export interface EmittedOrigin {
  readonly kind: ApisixKind;
  readonly id: string;
  readonly from: Origin;
}

/**
 * Pure: the objects of one service as the named group runs it (docs/architecture.md §3 "Emit"), in
 * emission order, not sorted: its upstream (and canary upstream), its APISIX service, its plugin
 * configs, its routes and its stream routes; none of the other kinds. Ids come from names
 * (`<service>`, `<service>.canary`, `<service>.<plugin config>`, `<service>.<route>`,
 * `<service>.<stream route>`); every object carries the
 * ownership labels, and the APISIX service also
 * the version (`tagway.version`): a new version that changes one route then writes that route and
 * the service object, not every object of the service. Keys are sorted later by canonical JSON.
 */
export function emitService(group: string, s: ResolvedService): { config: ApisixConfig; origins: EmittedOrigin[] } {
  const upstreams: ApisixUpstream[] = [];
  const services: ApisixService[] = [];
  const pluginConfigs: ApisixPluginConfig[] = [];
  const routes: ApisixRoute[] = [];
  const streamRoutes: ApisixStreamRoute[] = [];
  const origins: EmittedOrigin[] = [];
  const labels = ownership(group, s);
  const spec = s.template.spec;
  // In key order once per service; each object gets its own copy.
  const serviceLabels = mergedLabels(spec.labels, labels);
  const templateFile = s.template.file;
  upstreams.push(upstreamObject(s.name, s.name, spec.description, s.upstream, endpoints(s.upstream), { ...serviceLabels }));
  origins.push({ kind: 'upstreams', id: s.name, from: { file: templateFile, pointer: spec.upstream ? '/upstream' : '' } });

  const servicePlugins: Record<string, unknown> = { ...spec.plugins };
  let stepLabels: Record<string, string> = {};
  if (s.canary) {
    const c = s.canary.value;
    const canaryEndpoints = { nodes: c.nodes, discovery: c.discovery };
    const canary = upstreamObject(canaryUpstreamId(s.name), `${s.name}-canary`, spec.description, s.upstream, canaryEndpoints, { ...serviceLabels });
    upstreams.push(canary);
    origins.push({ kind: 'upstreams', id: canaryUpstreamId(s.name), from: s.canary.from });
    servicePlugins['traffic-split'] = trafficSplit(canaryUpstreamId(s.name), c.weight, c.match);
    if (c.steps !== undefined) {
      const steps = [...c.steps].sort((a, b) => a - b);
      stepLabels = {
        [LABEL_CANARY_STEPS]: steps.join(','),
        ...(c.pause ? { [LABEL_CANARY_PAUSE]: String(c.pause) } : {}),
        // Which canary a rollout's weight is for: a new canary starts from its committed weight.
        [LABEL_CANARY_ID]: sha256Digest(canonicalJson({ upstream: canary, steps, match: c.match ?? null })).slice('sha256:'.length, 'sha256:'.length + 12),
      };
    }
  }
  const versionedLabels = mergedLabels(spec.labels, { ...labels, [LABEL_VERSION]: s.version, ...stepLabels });
  services.push(
    compact({
      desc: spec.description,
      hosts: s.hosts?.value,
      id: s.name,
      labels: versionedLabels,
      name: s.name,
      plugins: Object.keys(servicePlugins).length > 0 ? servicePlugins : undefined,
      upstream_id: s.name,
    }),
  );
  origins.push({ kind: 'services', id: s.name, from: { file: templateFile, pointer: '' } });

  const configs = spec.plugin_configs ?? {};
  for (const name of Object.keys(configs).sort(cmp)) {
    const pc = configs[name]!;
    const id = pluginConfigId(s.name, name);
    pluginConfigs.push(
      compact({
        desc: pc.desc,
        id,
        labels: pc.labels ? mergedLabels(spec.labels, pc.labels, labels) : { ...serviceLabels },
        name: id,
        plugins: { ...pc.plugins },
      }),
    );
    origins.push({ kind: 'plugin_configs', id, from: { file: templateFile, pointer: `/plugin_configs/${name}` } });
  }

  const prefix = s.pathPrefix?.value;
  const strip = s.stripPathPrefix?.value === true && prefix !== undefined;
  for (const [i, r] of spec.routes.entries()) {
    let plugins: Record<string, unknown> | undefined = r.plugins ? { ...r.plugins } : undefined;
    if (strip) {
      // A route's plugin replaces its plugin config's of the same name, which replaces the
      // service's, so the route's proxy-rewrite starts from whichever of them would apply.
      const shared = r.plugin_config !== undefined ? configs[r.plugin_config]?.plugins : undefined;
      const base = (r.plugins?.['proxy-rewrite'] ?? shared?.['proxy-rewrite'] ?? spec.plugins?.['proxy-rewrite'] ?? {}) as Plugins[string];
      plugins = { ...plugins, 'proxy-rewrite': { ...base, regex_uri: stripPrefixRegex(prefix) } };
    }
    routes.push(
      compact({
        desc: r.description,
        enable_websocket: r.enable_websocket,
        hosts: r.hosts,
        id: routeId(s.name, r.name),
        labels: r.labels ? mergedLabels(spec.labels, r.labels, labels) : { ...serviceLabels },
        methods: r.methods,
        name: routeId(s.name, r.name),
        plugin_config_id: r.plugin_config !== undefined ? pluginConfigId(s.name, r.plugin_config) : undefined,
        plugins,
        priority: r.priority,
        service_id: s.name,
        timeout: r.timeout,
        uris: r.uris.map((u) => prefixedUri(prefix, u)),
        vars: r.vars,
      }),
    );
    origins.push({ kind: 'routes', id: routeId(s.name, r.name), from: { file: templateFile, pointer: `/routes/${i}` } });
  }
  // L4 routes go to the service's upstream itself: the APISIX service's plugins are HTTP plugins.
  for (const [i, r] of (spec.stream_routes ?? []).entries()) {
    const id = streamRouteId(s.name, r.name);
    streamRoutes.push(
      compact({
        desc: r.description,
        id,
        labels: r.labels ? mergedLabels(spec.labels, r.labels, labels) : { ...serviceLabels },
        name: id,
        plugins: r.plugins,
        remote_addr: r.remote_addr,
        server_addr: r.server_addr,
        server_port: r.server_port,
        sni: r.sni,
        upstream_id: s.name,
      }),
    );
    origins.push({ kind: 'stream_routes', id, from: { file: templateFile, pointer: `/stream_routes/${i}` } });
  }
  return { config: { ...emptyConfig(), upstreams, services, plugin_configs: pluginConfigs, routes, stream_routes: streamRoutes }, origins };
}

/**
 * Labels merged (a later part wins), with their keys in code-point order as canonical JSON
 * writes them: the ownership labels sort before most of an operator's (`team`…), and an object
 * whose labels are out of order would be copied to be written.
 */
export function mergedLabels(first: Labels | undefined, second: Labels | undefined, third?: Labels): Labels {
  return inKeyOrder({ ...first, ...second, ...third });
}

/** The labels every object of a service carries: who owns it (the version is the service object's alone). */
function ownership(group: string, s: ResolvedService): Labels {
  return {
    [LABEL_MANAGED_BY]: LABEL_MANAGED_BY_VALUE,
    [LABEL_GROUP]: group,
    [LABEL_SERVICE]: s.name,
  };
}

function endpoints(u: MergedUpstream): { nodes: readonly NodeSpec[] | undefined; discovery: DiscoverySpec | undefined } {
  return { nodes: u.nodes?.value, discovery: u.discovery?.value };
}

function upstreamObject(
  id: string,
  name: string,
  desc: string | undefined,
  u: MergedUpstream,
  where: { nodes: readonly NodeSpec[] | undefined; discovery: DiscoverySpec | undefined },
  labels: Labels,
): ApisixUpstream {
  const p = u.policy;
  return compact({
    checks: p.checks,
    desc,
    discovery_args: where.discovery?.args,
    discovery_type: where.discovery?.type,
    hash_on: p.hash_on,
    id,
    keepalive_pool: p.keepalive_pool,
    key: p.key,
    labels,
    name,
    nodes: where.nodes?.map((n) => compact({ host: n.host, port: n.port, priority: n.priority, weight: n.weight ?? 1 })),
    pass_host: p.pass_host,
    retries: p.retries,
    retry_timeout: p.retry_timeout,
    scheme: p.scheme,
    service_name: where.discovery?.service_name,
    timeout: p.timeout,
    tls: p.tls,
    type: p.type ?? 'roundrobin',
    upstream_host: p.upstream_host,
  });
}

/**
 * APISIX traffic-split: requests that match (all requests when there is no `match`) go to the
 * canary upstream with `weight` percent, the rest to the service's own upstream.
 */
function trafficSplit(canaryId: string, weight: number | undefined, match: readonly (readonly unknown[])[] | undefined): Record<string, unknown> {
  const w = weight ?? 100;
  const rule: Record<string, unknown> = {
    weighted_upstreams: [{ upstream_id: canaryId, weight: w }, { weight: 100 - w }],
  };
  if (match) rule['match'] = [{ vars: match }];
  return { rules: [rule] };
}

type Compacted<T> = { [K in keyof T]: Exclude<T[K], undefined> };

/**
 * Drops undefined members (so absent fields stay absent in JSON and YAML). The objects above
 * list their keys in code-point order, the order canonical JSON puts them in, so that they are
 * written as they are (see `inKeyOrder`).
 */
export function compact<T extends Record<string, unknown>>(o: T): Compacted<T> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(o)) {
    const v = o[k];
    if (v !== undefined) out[k] = v;
  }
  return out as Compacted<T>;
}

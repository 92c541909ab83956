/**
 * A gateway's objects → the files of a config repository that compile back to them
 * (docs/import.md): service templates, the group's overlays and group-level files, and, for a
 * gateway taken over, the adoption record. Pure: the use case reads the source and writes the
 * files. Every object or field left out is an `Unexpressed` entry; every secret a `SecretVariable`.
 */
import type { ApisixConfig, ApisixKind, ApisixObject, ApisixRoute, ApisixStreamRoute } from '../model/apisix.js';
import { LABEL_MANAGED_BY, LABEL_MANAGED_BY_VALUE } from '../model/apisix.js';
import { renderYamlDocument } from '../apisix/standalone-yaml.js';
import { GLOBAL_RULE_NAME, GROUP_OBJECT_FILES, NAME } from '../load/layout.js';
import { cmp } from '../model/diagnostic.js';
import type { AdoptionMap, GatewaySource, SecretVariable, Unexpressed } from './model.js';
import { Names, pathWords, slug } from './names.js';
import { SecretVariables } from './secrets.js';
import { unitsOf, type Unit } from './units.js';
import { keptFor, leaveOut, nodesProblem, SERVER_FIELDS, UPSTREAM_POLICY, WRITTEN_FIELDS } from './left-out.js';

export interface RepositoryOptions {
  readonly group: string;
  /**
   * Names a previous import of this group chose (its adoption record): a re-import keeps them,
   * so the files it writes replace the earlier ones.
   */
  readonly previous?: AdoptionMap;
  /** Service names the repository already uses for other services: not taken. */
  readonly reservedServices?: ReadonlySet<string>;
}

export interface ImportedRepository {
  /** Repository-relative path → text, in path order. group.yaml is the use case's (`GroupPart`). */
  readonly files: ReadonlyMap<string, string>;
  /** The services written, sorted. */
  readonly services: readonly string[];
  readonly variables: readonly SecretVariable[];
  readonly unexpressed: readonly Unexpressed[];
  /** Objects left out on purpose: tagway's own (another group's, a run's records). */
  readonly ignored: readonly Unexpressed[];
  /**
   * Objects written as tagway's own copies but not taken over: objects that stay on the gateway
   * (whole-object `unexpressed` entries) use them (src/import/left-out.ts).
   */
  readonly kept: readonly Unexpressed[];
  /** The gateway's objects the written files replace: gateway id → tagway id, by kind. */
  readonly adoption: AdoptionMap;
  /** The values of the secrets taken out (in memory only, for the equivalence check). */
  readonly secrets: SecretVariables;
}

const TEMPLATE_HEADER = '# yaml-language-server: $schema=../../schemas/service.schema.json\n';
const OVERLAY_HEADER = '# yaml-language-server: $schema=../../../schemas/overlay.schema.json\n';


export function importRepository(source: GatewaySource, options: RepositoryOptions): ImportedRepository {
  const group = options.group;
  const files = new Map<string, string>();
  const unexpressed: Unexpressed[] = [...source.unexpressed];
  const ignored: Unexpressed[] = [];
  const secrets = new SecretVariables(group);
  const adoption: { [K in ApisixKind]?: Record<string, string> } = {};
  const adopt = (kind: ApisixKind, from: string, to: string) => ((adoption[kind] ??= {})[from] = to);
  const previous = options.previous ?? {};

  const all = withoutTagwayObjects(source.config, ignored);
  const left = leaveOut(all);
  const config = left.config;
  unexpressed.push(...left.left);
  const { units, unplaced } = unitsOf(config);
  const kept = keptFor(all, [...left.left, ...unplaced]);
  // tagway's ids must not be those of objects that stay: sync would find them in its way.
  const staying = [...left.left, ...unplaced, ...kept];
  const stayingIds = (kinds: readonly ApisixKind[]) => staying.filter((e) => kinds.includes(e.kind as ApisixKind)).map((e) => e.id);
  const reservedServices = [...(options.reservedServices ?? []), ...stayingIds(['services', 'upstreams']), ...stayingIds(['routes', 'plugin_configs', 'stream_routes']).map((id) => id.slice(0, id.indexOf('.'))).filter((p) => p.length > 0)];
  /** A file's body with its secrets taken out: seen with its id, which finds some of them (a plugin's metadata's). */
  const secretsTaken = (kind: ApisixKind, id: string, body: Record<string, unknown>): Record<string, unknown> => {
    const object = { ...body, id };
    secrets.take(kind, id, object);
    const { id: _id, ...rest } = object;
    return rest;
  };

  // Group-level objects first: routes' plugins and consumers refer to them by name.
  const consumerGroupNames = new Map<string, string>();
  {
    const names = new Names(31, stayingIds(['consumer_groups']));
    for (const cg of config.consumer_groups) {
      const name = keptOrNamed(names, previous.consumer_groups?.[cg.id], cg.id, [cg.name, cg.desc], 'consumer-group');
      consumerGroupNames.set(cg.id, name);
      const body = clean({ desc: cg.desc, labels: userLabels(cg.labels), plugins: copy(cg.plugins) });
      secrets.take('consumer_groups', cg.id, body);
      files.set(groupFile(group, 'consumer-group', name), header('consumer-group') + yamlOf(body));
      adopt('consumer_groups', cg.id, name);
    }
  }
  // What cannot be written whole (a username that is no file name, a plugin metadata or secret
  // manager id tagway cannot name a file by) stayed on the gateway (left-out.ts).
  for (const c of config.consumers) {
    const username = String(c.username ?? c.id);
    // A consumer whose group is not the gateway's, or stays on it, stays too (left-out.ts).
    const groupName = c.group_id !== undefined ? consumerGroupNames.get(String(c.group_id)) : undefined;
    const body = clean({ desc: c.desc, labels: userLabels(c.labels), group: groupName, plugins: copy(c.plugins) });
    secrets.take('consumers', username, body);
    files.set(groupFile(group, 'consumer', username), header('consumer') + yamlOf(body));
    adopt('consumers', c.id, username);
  }
  const sslNames = new Map<string, string>();
  {
    const names = new Names(31, stayingIds(['ssls']));
    for (const s of config.ssls) {
      const snis = s.snis ?? (s.sni !== undefined ? [s.sni] : []);
      const name = keptOrNamed(names, previous.ssls?.[s.id], s.id, [s.desc, ...snis.map((h) => h.replace(/^\*\./, 'wildcard.'))], 'certificate');
      sslNames.set(s.id, name);
      const body: Record<string, unknown> = clean({
        type: s.type,
        desc: s.desc,
        labels: userLabels(s.labels),
        sni: s.sni,
        snis: s.snis,
        cert: s.cert,
        key: s.key,
        certs: s.certs,
        keys: s.keys,
        client: copy(s['client']),
        ssl_protocols: s['ssl_protocols'],
        status: s['status'],
      });
      // A live gateway gives a key encrypted, or not at all: the operator supplies it.
      if (body['key'] === undefined || !isPrivateKey(body['key'])) body['key'] = `env:${secrets.ask('ssls', s.id, ['key'])}`;
      if (Array.isArray(s.certs) && s.certs.length > 0) {
        const keys = Array.isArray(s.keys) ? [...s.keys] : [];
        body['keys'] = s.certs.map((_, i) => (isPrivateKey(keys[i]) ? keys[i] : `env:${secrets.ask('ssls', s.id, ['keys', String(i)])}`));
      }
      secrets.take('ssls', s.id, body);
      files.set(groupFile(group, 'ssl', name), header('ssl') + yamlOf(body));
      adopt('ssls', s.id, name);
    }
  }
  {
    const names = new Names(25);
    for (const g of config.global_rules) {
      const kept = previous.global_rules?.[g.id];
      const keptName = kept?.startsWith(`tagway.${group}.`) ? kept.slice(`tagway.${group}.`.length) : undefined;
      const name = keptName !== undefined && names.claim(keptName) ? keptName : GLOBAL_RULE_NAME.test(g.id) && !/^\d+$/.test(g.id) && names.claim(g.id) ? g.id : names.take(Object.keys(g.plugins ?? {}).sort(cmp).slice(0, 2).map((p) => p) as string[], g.id, 'global-rule');
      const body = { plugins: copy(g.plugins) ?? {} };
      secrets.take('global_rules', g.id, body);
      files.set(groupFile(group, 'global-rule', name), header('global-rule') + yamlOf(body));
      adopt('global_rules', g.id, `tagway.${group}.${name}`);
    }
  }
  for (const m of config.plugin_metadata) {
    const body: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(m)) if (k !== 'id' && !SERVER_FIELDS.has(k)) body[k] = k === 'labels' ? userLabels(v as Record<string, string>) : copy(v);
    files.set(groupFile(group, 'plugin-metadata', m.id), header('plugin-metadata') + yamlOf(secretsTaken('plugin_metadata', m.id, clean(body))));
    adopt('plugin_metadata', m.id, m.id);
  }
  for (const s of config.secrets) {
    const body: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(s)) if (WRITTEN_FIELDS.secrets!.has(k) && k !== 'id') body[k] = k === 'labels' ? userLabels(v as Record<string, string>) : copy(v);
    files.set(groupFile(group, 'secret-manager', s.id), header('secret-manager') + yamlOf(secretsTaken('secrets', s.id, clean(body))));
    adopt('secrets', s.id, s.id);
  }

  // Services: one per unit.
  const serviceNames = new Names(31, reservedServices);
  const services: string[] = [];
  const pluginConfigs = new Map(config.plugin_configs.map((pc) => [pc.id, pc]));
  const usedPluginConfigs = new Set<string>();
  const upstreams = new Map(config.upstreams.map((u) => [u.id, u as Readonly<Record<string, unknown>>]));
  const canaryUpstreams = new Set<string>();
  for (const unit of units) {
    const name = serviceName(serviceNames, unit, previous);
    services.push(name);
    const written = writeService(unit, name, { group, pluginConfigs, usedPluginConfigs, upstreams, canaryUpstreams, sslNames, previous, secrets, unexpressed, adopt });
    files.set(`services/${name}/service.yaml`, TEMPLATE_HEADER + yamlOf(written.template));
    files.set(`gateway-groups/${group}/services/${name}.yaml`, OVERLAY_HEADER + yamlOf(written.overlay));
  }
  for (const u of unplaced) if (!(u.kind === 'upstreams' && canaryUpstreams.has(u.id))) unexpressed.push({ kind: u.kind, id: u.id, reason: u.reason });
  for (const pc of config.plugin_configs) {
    if (!usedPluginConfigs.has(pc.id)) unexpressed.push({ kind: 'plugin_configs', id: pc.id, reason: 'no imported route uses it (in tagway a plugin config belongs to the service whose routes use it)' });
  }

  const sorted = new Map([...files.entries()].sort(([a], [b]) => cmp(a, b)));
  return {
    files: sorted,
    services: services.sort(cmp),
    variables: secrets.list,
    unexpressed: unexpressed.sort(byObject),
    ignored: ignored.sort(byObject),
    adoption: sortedAdoption(adoption, kept),
    kept,
    secrets,
  };
}

interface ServiceContext {
  readonly group: string;
  readonly pluginConfigs: ReadonlyMap<string, ApisixObject>;
  readonly usedPluginConfigs: Set<string>;
  readonly upstreams: ReadonlyMap<string, Readonly<Record<string, unknown>>>;
  /** Upstreams a service's canary took: no longer left over. */
  readonly canaryUpstreams: Set<string>;
  /** The name each SSL written is given (its file's, and its id once compiled), by gateway id. */
  readonly sslNames: ReadonlyMap<string, string>;
  readonly previous: AdoptionMap;
  readonly secrets: SecretVariables;
  readonly unexpressed: Unexpressed[];
  readonly adopt: (kind: ApisixKind, from: string, to: string) => void;
}

function writeService(unit: Unit, name: string, ctx: ServiceContext): { template: Record<string, unknown>; overlay: Record<string, unknown> } {
  const { service, upstream } = unit;
  const template: Record<string, unknown> = { name };
  const description = oneLine(service?.desc ?? (upstream?.value['desc'] as string | undefined));
  if (description !== undefined) template['description'] = description;
  const labels = userLabels(service?.labels);
  if (labels !== undefined) template['labels'] = labels;
  const overlay: Record<string, unknown> = {};
  const canary = service?.plugins?.['traffic-split'] !== undefined ? canaryOf(service.plugins['traffic-split'], ctx.upstreams) : null;
  if (canary !== null) {
    overlay['canary'] = canary.overlay;
    if (canary.upstreamId !== null) {
      ctx.canaryUpstreams.add(canary.upstreamId);
      ctx.adopt('upstreams', canary.upstreamId, `${name}.canary`);
    }
  }
  const servicePlugins = service?.plugins !== undefined ? { ...service.plugins } : undefined;
  if (canary !== null) delete servicePlugins!['traffic-split'];
  else if (service) splitByIds(ctx, 'services', service.id, service.plugins);
  if (servicePlugins !== undefined && Object.keys(servicePlugins).length > 0) {
    const body = { plugins: copy(servicePlugins) };
    ctx.secrets.take('services', service!.id, body);
    template['plugins'] = body.plugins;
  }
  const hosts = service?.hosts ?? (typeof service?.['host'] === 'string' ? [service['host'] as string] : undefined);
  if (hosts !== undefined && hosts.length > 0) overlay['hosts'] = [...hosts];
  if (service) {
    ctx.adopt('services', service.id, name);
  }

  if (upstream) {
    const u = upstream.value;
    const policy: Record<string, unknown> = {};
    for (const field of UPSTREAM_POLICY) if (u[field] !== undefined) policy[field] = copy(u[field]);
    // The client certificate by the name its SSL is written under (an upstream that names an SSL
    // the gateway lacks, or one that stays on it, stayed on the gateway: left-out.ts).
    const tls = policy['tls'] as Record<string, unknown> | undefined;
    if (tls?.['client_cert_id'] !== undefined) tls['client_cert_id'] = ctx.sslNames.get(String(tls['client_cert_id'])) ?? tls['client_cert_id'];
    if (Object.keys(policy).length > 0) template['upstream'] = policy;
    const where = upstream.id ?? (service && service.upstream_id === undefined ? service.id : unit.routes[0]!.id);
    const kind: ApisixKind = upstream.id !== null ? 'upstreams' : service && service.upstream_id === undefined && unit.routes.every((r) => r.upstream === undefined) ? 'services' : 'routes';
    const prefix = upstream.id !== null ? '' : '/upstream';
    // An upstream's labels are its service's (the template's labels go on every object of it); any
    // other field it cannot hold left the upstream on the gateway (left-out.ts).
    if (u['labels'] !== undefined && !coveredBy(userLabels(u['labels'] as Record<string, string>), labels)) {
      ctx.unexpressed.push({ kind, id: where, field: `${prefix}/labels`, reason: "a tagway service's upstream has no labels of its own (the service's go on it)" });
    }
    if (u['discovery_type'] !== undefined) {
      overlay['upstream'] = { discovery: clean({ type: u['discovery_type'], service_name: u['service_name'], args: copy(u['discovery_args']) }) };
    } else {
      overlay['upstream'] = { nodes: nodesOf(u['nodes']) };
    }
    if (upstream.id !== null) ctx.adopt('upstreams', upstream.id, name);
  }

  const routeNames = new Names(31);
  const configs: Record<string, unknown> = {};
  const configNames = new Map<string, string>();
  const configNamer = new Names(31);
  const routes: Record<string, unknown>[] = [];
  for (const r of [...unit.routes].sort((a, b) => cmp(a.id, b.id))) {
    const routeName = childName(routeNames, ctx.previous.routes?.[r.id], name, r.id, [stripService(r.name, name), r.desc, routeWords(r)], 'route');
    const route: Record<string, unknown> = { name: routeName };
    const desc = oneLine(r.desc);
    if (desc !== undefined) route['description'] = desc;
    // A route without uris, or with a field tagway cannot write, stayed on the gateway (left-out.ts).
    route['uris'] = r.uris !== undefined ? [...r.uris] : [r['uri']];
    if (r.methods !== undefined) route['methods'] = [...r.methods];
    const routeHosts = r.hosts ?? (typeof r['host'] === 'string' ? [r['host'] as string] : undefined);
    if (routeHosts !== undefined) route['hosts'] = [...routeHosts];
    if (r['priority'] !== undefined && r['priority'] !== 0) route['priority'] = r['priority'];
    if (r['vars'] !== undefined) route['vars'] = copy(r['vars']);
    splitByIds(ctx, 'routes', r.id, r.plugins);
    if (r.plugins !== undefined && Object.keys(r.plugins).length > 0) {
      const body = { plugins: copy(r.plugins) };
      ctx.secrets.take('routes', r.id, body);
      route['plugins'] = body.plugins;
    }
    if (r.plugin_config_id !== undefined) {
      const pc = ctx.pluginConfigs.get(String(r.plugin_config_id));
      if (pc) {
        let pcName = configNames.get(pc.id);
        if (pcName === undefined) {
          pcName = childName(configNamer, ctx.previous.plugin_configs?.[pc.id], name, pc.id, [stripService(pc.name, name), pc.desc], 'plugins');
          configNames.set(pc.id, pcName);
          const body = clean({ desc: pc.desc, labels: userLabels(pc.labels), plugins: copy(pc['plugins']) ?? {} });
          ctx.secrets.take('plugin_configs', pc.id, body);
          configs[pcName] = body;
          ctx.usedPluginConfigs.add(pc.id);
          ctx.adopt('plugin_configs', pc.id, `${name}.${pcName}`);
        }
        route['plugin_config'] = pcName;
      }
    }
    const websocket = r['enable_websocket'] ?? service?.['enable_websocket'];
    if (websocket !== undefined) route['enable_websocket'] = websocket;
    if (r['timeout'] !== undefined) route['timeout'] = copy(r['timeout']);
    const rLabels = userLabels(r.labels);
    if (rLabels !== undefined) route['labels'] = rLabels;
    routes.push(clean(route));
    ctx.adopt('routes', r.id, `${name}.${routeName}`);
  }
  if (Object.keys(configs).length > 0) template['plugin_configs'] = configs;
  template['routes'] = routes;

  if (unit.streamRoutes.length > 0) {
    const streamNames = new Names(31);
    template['stream_routes'] = [...unit.streamRoutes]
      .sort((a, b) => cmp(a.id, b.id))
      .map((sr: ApisixStreamRoute) => {
        const srName = childName(streamNames, ctx.previous.stream_routes?.[sr.id], name, sr.id, [stripService(sr.name, name), sr.desc, sr.sni, sr.server_port !== undefined ? `port-${sr.server_port}` : undefined], 'stream');
        const body = clean({
          name: srName,
          description: oneLine(sr.desc),
          server_addr: sr.server_addr,
          server_port: sr.server_port,
          remote_addr: sr.remote_addr,
          sni: sr.sni,
          plugins: copy(sr.plugins),
          labels: userLabels(sr.labels),
        });
        ctx.secrets.take('stream_routes', sr.id, body);
        ctx.adopt('stream_routes', sr.id, `${name}.${srName}`);
        return body;
      });
  }
  return { template, overlay };
}

/**
 * A `traffic-split` that names upstreams by id (other than a service's canary): written as it is,
 * so requests keep going where they went, but those upstreams stay the gateway's (not taken
 * over), which the report says.
 */
function splitByIds(ctx: ServiceContext, kind: ApisixKind, id: string, plugins: Readonly<Record<string, unknown>> | undefined): void {
  const rules = (plugins?.['traffic-split'] as { rules?: unknown } | undefined)?.rules;
  if (!Array.isArray(rules)) return;
  const ids = rules.flatMap((r) => ((r as { weighted_upstreams?: unknown }).weighted_upstreams as { upstream_id?: unknown }[] | undefined) ?? []).flatMap((w) => (w?.upstream_id !== undefined ? [String(w.upstream_id)] : []));
  if (ids.length === 0) return;
  ctx.unexpressed.push({
    kind,
    id,
    field: '/plugins/traffic-split',
    reason: `names upstream ${[...new Set(ids)].join(', ')} by id: written as it is, and the upstream stays the gateway's, not taken over`,
  });
}

/**
 * A service's `traffic-split` as tagway writes a canary (src/compile/emit.ts): one rule, a share
 * `weight` (of 100) to one other upstream and the rest to the service's own, for the requests its
 * `match` selects (one set of vars) or all. Any other shape stays a plugin of the template.
 */
function canaryOf(plugin: unknown, upstreams: ReadonlyMap<string, Readonly<Record<string, unknown>>>): { overlay: Record<string, unknown>; upstreamId: string | null } | null {
  if (typeof plugin !== 'object' || plugin === null) return null;
  const conf = plugin as Record<string, unknown>;
  const rules = conf['rules'];
  if (Object.keys(conf).some((k) => k !== 'rules' && k !== '_meta') || !Array.isArray(rules) || rules.length !== 1) return null;
  const rule = rules[0] as Record<string, unknown>;
  const weighted = rule['weighted_upstreams'];
  if (Object.keys(rule).some((k) => k !== 'weighted_upstreams' && k !== 'match') || !Array.isArray(weighted) || weighted.length !== 2) return null;
  const [first, second] = weighted as Record<string, unknown>[];
  const other = first?.['upstream_id'] !== undefined || first?.['upstream'] !== undefined ? first : second;
  const own = other === first ? second : first;
  if (other === undefined || own === undefined || own['upstream_id'] !== undefined || own['upstream'] !== undefined) return null;
  const weight = other['weight'] ?? 1;
  if (typeof weight !== 'number' || weight + Number(own['weight'] ?? 1) !== 100) return null;
  let match: unknown;
  if (rule['match'] !== undefined) {
    const m = rule['match'];
    if (!Array.isArray(m) || m.length !== 1 || typeof m[0] !== 'object' || m[0] === null || Object.keys(m[0]).some((k) => k !== 'vars')) return null;
    match = copy((m[0] as Record<string, unknown>)['vars']);
  }
  const id = other['upstream_id'] !== undefined ? String(other['upstream_id']) : null;
  const upstream = id !== null ? upstreams.get(id) : (other['upstream'] as Record<string, unknown>);
  if (upstream === undefined) return null;
  const where: Record<string, unknown> = {};
  if (upstream['discovery_type'] !== undefined) where['discovery'] = clean({ type: upstream['discovery_type'], service_name: upstream['service_name'], args: copy(upstream['discovery_args']) });
  else {
    if (nodesProblem(upstream['nodes']) !== null) return null;
    where['nodes'] = nodesOf(upstream['nodes']);
  }
  return { overlay: clean({ weight, match, ...where }), upstreamId: id };
}

/** The service's name: the one a previous import gave its routes, else one from what names it. */
function serviceName(names: Names, unit: Unit, previous: AdoptionMap): string {
  for (const r of unit.routes) {
    const before = previous.routes?.[r.id];
    const service = before?.slice(0, before.indexOf('.'));
    if (service !== undefined && service.length > 0 && NAME.test(service) && names.claim(service)) return service;
  }
  const s = unit.service;
  const u = unit.upstream?.id !== null ? unit.upstream?.value : undefined;
  const first = unit.routes[0]!;
  const hosts = s?.hosts ?? first.hosts ?? [];
  const uri = first.uris?.[0] ?? (first['uri'] as string | undefined);
  const candidates = [s?.name, s?.desc, u?.['name'] as string | undefined, u?.['desc'] as string | undefined, unit.service === null ? first.name : undefined, hosts[0]?.split('.')[0], uri !== undefined ? pathWords(uri) : undefined];
  return names.take(candidates, unit.key, 'service');
}

/** A name inside a service: the one a previous import gave (`<service>.<name>`), else a fresh one. */
function childName(names: Names, before: string | undefined, service: string, id: string, candidates: readonly (string | undefined)[], fallback: string): string {
  if (before !== undefined && before.startsWith(`${service}.`)) {
    const kept = before.slice(service.length + 1);
    if (NAME.test(kept) && names.claim(kept)) return kept;
  }
  return names.take(candidates, id, fallback);
}

/** A group-level object's name: the previous import's, else its id when that is a readable name, else one from what names it. */
function keptOrNamed(names: Names, before: string | undefined, id: string, candidates: readonly (string | undefined)[], fallback: string): string {
  if (before !== undefined && NAME.test(before) && names.claim(before)) return before;
  if (NAME.test(id) && !/^\d+$/.test(id) && names.claim(id)) return id;
  return names.take(candidates, id, fallback);
}

function routeWords(r: ApisixRoute): string | undefined {
  const uri = r.uris?.[0] ?? (r['uri'] as string | undefined);
  if (uri === undefined) return undefined;
  const words = pathWords(uri);
  const method = r.methods?.length === 1 ? r.methods[0]!.toLowerCase() : undefined;
  return [method, words].filter((w) => w !== undefined && w.length > 0).join(' ') || 'root';
}

/** A route named `petstore.list` (as tagway or ADC name them) within service `petstore`: `list`. */
function stripService(name: string | undefined, service: string): string | undefined {
  if (name === undefined) return undefined;
  return name.startsWith(`${service}.`) ? name.slice(service.length + 1) : name;
}

/** Nodes in the array form a template holds; APISIX also takes `{ "host:port": weight }`. Only for nodes `nodesProblem` passes. */
function nodesOf(nodes: unknown): Record<string, unknown>[] {
  if (Array.isArray(nodes)) {
    return nodes.map((n) => {
      const node = n as Record<string, unknown>;
      return clean({ host: node['host'], port: node['port'], weight: node['weight'], priority: node['priority'] });
    });
  }
  return Object.entries(nodes as Record<string, unknown>)
    .sort(([a], [b]) => cmp(a, b))
    .map(([hostPort, weight]) => {
      const m = /^(.*):(\d+)$/.exec(hostPort)!;
      return { host: m[1]!, port: Number(m[2]), weight };
    });
}

/** tagway's objects (of any group) and a run's records are tagway's to manage, not to import. */
function withoutTagwayObjects(config: ApisixConfig, ignored: Unexpressed[]): ApisixConfig {
  const out: Record<string, ApisixObject[]> = {};
  for (const kind of Object.keys(config) as ApisixKind[]) {
    out[kind] = config[kind].filter((obj) => {
      const labels = obj.labels ?? {};
      const ours = labels[LABEL_MANAGED_BY] === LABEL_MANAGED_BY_VALUE || Object.keys(labels).some((k) => k.startsWith('tagway.')) || (kind === 'global_rules' && obj.id.startsWith('tagway.'));
      if (ours) ignored.push({ kind, id: obj.id, reason: 'managed by tagway already' });
      return !ours;
    });
  }
  return out as unknown as ApisixConfig;
}

/** Whether every label of `labels` is in `by`, with the same value. */
function coveredBy(labels: Readonly<Record<string, string>> | undefined, by: Readonly<Record<string, string>> | undefined): boolean {
  return Object.entries(labels ?? {}).every(([k, v]) => by?.[k] === v);
}

/** Labels without tagway's own; undefined when none are left. */
function userLabels(labels: Readonly<Record<string, string>> | undefined): Record<string, string> | undefined {
  if (labels === undefined) return undefined;
  const out: Record<string, string> = {};
  for (const key of Object.keys(labels).sort(cmp)) {
    if (key === LABEL_MANAGED_BY || key.startsWith('tagway.')) continue;
    out[key] = labels[key]!;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

function groupFile(group: string, kind: keyof typeof GROUP_OBJECT_FILES, name: string): string {
  return `gateway-groups/${group}/${GROUP_OBJECT_FILES[kind].folder}/${name}.yaml`;
}

/** The schema line editors read: the kind's schema, from the file's folder (a nested kind's is one deeper). */
function header(kind: keyof typeof GROUP_OBJECT_FILES): string {
  const depth = GROUP_OBJECT_FILES[kind].nested ? 4 : 3;
  return `# yaml-language-server: $schema=${'../'.repeat(depth)}schemas/${kind}.schema.json\n`;
}

function yamlOf(value: Record<string, unknown>): string {
  return renderYamlDocument(value);
}

function isPrivateKey(value: unknown): value is string {
  return typeof value === 'string' && /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(value);
}

function oneLine(text: string | undefined): string | undefined {
  if (typeof text !== 'string') return undefined;
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 0 ? line : undefined;
}

/** A deep copy of data read from a gateway (the caller may change it); what JSON cannot hold is copied by structuredClone. */
function copy<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(copy) as T;
  if (Object.getPrototypeOf(value) !== Object.prototype) return structuredClone(value);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const member = copy((value as Record<string, unknown>)[key]);
    // A `__proto__` member (JSON.parse makes one) stays a member, as structuredClone keeps it.
    if (key === '__proto__') Object.defineProperty(out, key, { value: member, enumerable: true, writable: true, configurable: true });
    else out[key] = member;
  }
  return out as T;
}

/** Drops undefined members, keeping the order given. */
function clean(obj: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) if (v !== undefined) out[k] = v;
  return out;
}

function byObject(a: Unexpressed, b: Unexpressed): number {
  return cmp(a.kind, b.kind) || cmp(a.id, b.id) || cmp(a.field ?? '', b.field ?? '');
}

/** The adoption map in key order, without the objects that stay on the gateway for others (`kept`). */
function sortedAdoption(adoption: { [K in ApisixKind]?: Record<string, string> }, kept: readonly Unexpressed[]): AdoptionMap {
  const staying = new Set(kept.map((k) => `${k.kind}\u0000${k.id}`));
  const out: { [K in ApisixKind]?: Record<string, string> } = {};
  for (const kind of (Object.keys(adoption) as ApisixKind[]).sort(cmp)) {
    const entries = Object.entries(adoption[kind]!)
      .filter(([from]) => !staying.has(`${kind}\u0000${from}`))
      .sort(([a], [b]) => cmp(a, b));
    if (entries.length > 0) out[kind] = Object.fromEntries(entries);
  }
  return out;
}

/**
 * Writes a gateway configuration as an ADC file (README.md beside this file): what `tagway export
 * --format adc` prints, so a group's objects can be handed to `adc sync` as they are.
 */
import { dump } from 'js-yaml';
import type { ApisixConfig, ApisixKind, ApisixObject, ApisixPluginConfig, ApisixRoute, ApisixStreamRoute, ApisixUpstream } from '../../model/apisix.js';
import type { Unexpressed } from '../../model/gateway-source.js';
import { DUMP_OPTIONS } from '../standalone-yaml.js';
import { ADC_FIELDS, ADC_STREAM_ROUTE_NAME_LABEL, ADC_UPSTREAM_SERVICE_LABEL, ENV_REFERENCE } from './names.js';
import { escapePointer, syncResolvedPointers } from './sync-references.js';

type Json = Readonly<Record<string, unknown>>;

/** An ADC file's content, its sections in ADC's order; an empty section is left out. */
export interface AdcDocument {
  readonly services?: readonly Json[];
  readonly ssls?: readonly Json[];
  readonly consumers?: readonly Json[];
  readonly consumer_groups?: readonly Json[];
  readonly global_rules?: Json;
  readonly plugin_metadata?: Json;
}

/** What `toAdc` makes: the document, and what of the configuration it could not put in it. */
export interface AdcExport {
  readonly document: AdcDocument;
  /** Objects and fields ADC has no place for (left out), in kind, id, field order. */
  readonly lost: readonly Unexpressed[];
}

/**
 * The ADC document of a gateway configuration. Every object keeps its id (so `adc sync` takes
 * over the objects tagway wrote instead of adding copies), its name and its labels. Pure and
 * deterministic: sections, objects (by id) and fields come in a fixed order. References tagway
 * resolves at sync become ADC's: `env:NAME` → `${NAME}`; `file:PATH` has no ADC form, so its
 * object is left out. Text that ADC would take for a reference (`${NAME}`) is escaped.
 */
export function toAdc(config: ApisixConfig): AdcExport {
  return new AdcWriter(config).write();
}

/** The document as YAML (ADC reads `adc.yaml`): block style, no references, keys as given. */
export function renderAdcYaml(document: AdcDocument): string {
  return dump(document, DUMP_OPTIONS);
}

class AdcWriter {
  private readonly lost: Unexpressed[] = [];
  private readonly pluginConfigs: ReadonlyMap<string, ApisixPluginConfig>;
  private readonly usedPluginConfigs = new Set<string>();

  constructor(private readonly config: ApisixConfig) {
    this.pluginConfigs = new Map(config.plugin_configs.map((p) => [p.id, p]));
  }

  write(): AdcExport {
    const c = this.config;
    const services = this.services();
    const ssls = c.ssls.map((s) => this.ssl(s)).filter((s) => s !== null);
    const consumers = c.consumers.filter((u) => u.group_id === undefined).map((u) => this.consumer(u)).filter((u) => u !== null);
    const groups = c.consumer_groups.map((g) => {
      const members = c.consumers.filter((u) => u.group_id === g.id).map((u) => this.consumer(u)).filter((u) => u !== null);
      return this.fields('consumer_groups', g, ['id', 'name', 'desc', 'labels', 'plugins'], { consumers: members.length > 0 ? members : undefined });
    });
    for (const u of c.consumers) {
      if (u.group_id !== undefined && !c.consumer_groups.some((g) => g.id === u.group_id)) {
        this.lose('consumers', u.id, undefined, `its consumer group \`${String(u.group_id)}\` is not in the configuration, and ADC writes a consumer's group by nesting it there`);
      }
    }
    const globalRules: Record<string, unknown> = {};
    for (const rule of c.global_rules) {
      for (const [plugin, settings] of Object.entries(rule.plugins ?? {})) {
        if (plugin in globalRules) {
          this.lose('global_rules', rule.id, `/plugins/${escapePointer(plugin)}`, `another global rule runs \`${plugin}\` too; ADC holds one global rule per plugin`);
        } else {
          globalRules[plugin] = plain(settings);
        }
      }
    }
    const metadata: Record<string, unknown> = {};
    for (const m of c.plugin_metadata) {
      const { id: _id, ...settings } = m;
      metadata[m.id] = plain(settings);
    }
    for (const p of c.plugin_configs) {
      if (!this.usedPluginConfigs.has(p.id)) this.lose('plugin_configs', p.id, undefined, 'ADC has no plugin configs, and no route uses this one (the routes that do get its plugins)');
    }
    for (const s of c.secrets) this.lose('secrets', s.id, undefined, 'ADC has no secret managers: configure it on the gateway another way');
    const document: Record<string, unknown> = {};
    if (services.length > 0) document['services'] = services;
    if (ssls.length > 0) document['ssls'] = ssls;
    if (consumers.length > 0) document['consumers'] = consumers;
    if (groups.length > 0) document['consumer_groups'] = groups;
    if (Object.keys(globalRules).length > 0) document['global_rules'] = globalRules;
    if (Object.keys(metadata).length > 0) document['plugin_metadata'] = metadata;
    const lost = [...this.lost].sort((a, b) => cmp(a.kind, b.kind) || cmp(a.id, b.id) || cmp(a.field ?? '', b.field ?? ''));
    return { document, lost };
  }

  /**
   * ADC's services: each APISIX service with its default upstream inline (ADC writes it under the
   * service's id), the other upstreams it uses in `upstreams`, its routes; then, since ADC keeps
   * stream routes in services of their own, one service `<upstream>.stream` per upstream that
   * stream routes go to directly.
   */
  private services(): Json[] {
    const c = this.config;
    const upstreams = new Map(c.upstreams.map((u) => [u.id, u]));
    const placed = new Set<string>();
    const out: Json[] = [];
    for (const s of c.services) {
      const routes = c.routes.filter((r) => r.service_id === s.id);
      const streams = c.stream_routes.filter((r) => r.service_id === s.id);
      const main = s.upstream_id === undefined ? undefined : upstreams.get(s.upstream_id);
      if (main !== undefined) {
        placed.add(main.id);
        if (main.id !== s.id) this.lose('upstreams', main.id, undefined, `ADC writes a service's upstream under the service's id (\`${s.id}\`), so this id is not kept`);
      }
      const used = [...new Set([s, ...routes].flatMap((o) => upstreamIdsIn(o.plugins)))].filter((id) => id !== main?.id && upstreams.has(id) && !placed.has(id));
      const extra = used.map((id) => {
        placed.add(id);
        return this.upstream(upstreams.get(id)!, true);
      });
      if (routes.length > 0 && streams.length > 0) {
        for (const r of streams) this.lose('stream_routes', r.id, undefined, `its service \`${s.id}\` has HTTP routes too, which ADC does not allow in one service`);
      }
      out.push(
        this.fields('services', s, ['id', 'name', 'desc', 'labels', 'hosts', 'plugins'], {
          upstream: main === undefined ? undefined : this.upstream(main, false),
          upstreams: extra.length > 0 ? extra : undefined,
          routes: routes.length > 0 ? routes.map((r) => this.route(r)) : undefined,
          stream_routes: routes.length === 0 && streams.length > 0 ? streams.map((r) => this.streamRoute(r)) : undefined,
        }, ['upstream_id']),
      );
    }
    for (const r of c.routes) {
      if (r.service_id === undefined || !c.services.some((s) => s.id === r.service_id)) {
        this.lose('routes', r.id, undefined, 'ADC keeps routes inside services, and this route belongs to no service of the configuration');
      }
    }
    const direct = new Map<string, ApisixStreamRoute[]>();
    for (const r of c.stream_routes) {
      if (r.service_id !== undefined && c.services.some((s) => s.id === r.service_id)) continue;
      const target = r.upstream_id === undefined ? undefined : upstreams.get(r.upstream_id);
      if (target === undefined) {
        this.lose('stream_routes', r.id, undefined, 'ADC keeps stream routes inside services, and this one goes to no service or upstream of the configuration');
        continue;
      }
      direct.set(target.id, [...(direct.get(target.id) ?? []), r]);
    }
    for (const [upstreamId, routes] of [...direct].sort(([a], [b]) => cmp(a, b))) {
      const target = upstreams.get(upstreamId)!;
      placed.add(upstreamId);
      out.push(
        compact({
          id: `${upstreamId}.stream`,
          name: `${target.name ?? upstreamId}.stream`,
          labels: this.labels(target),
          upstream: this.upstream(target, false),
          stream_routes: routes.map((r) => this.streamRoute(r, ['upstream_id'])),
        }),
      );
    }
    for (const u of c.upstreams) {
      if (!placed.has(u.id)) this.lose('upstreams', u.id, undefined, 'no service uses it, and ADC keeps upstreams inside services');
    }
    return out;
  }

  private upstream(u: ApisixUpstream, listed: boolean): Json {
    const { id, name, desc, labels: _labels, ...rest } = u;
    const own = this.labels(u);
    const labels = own === undefined ? undefined : Object.fromEntries(Object.entries(own).filter(([k]) => k !== ADC_UPSTREAM_SERVICE_LABEL));
    const body = { ...(listed ? { id } : {}), name: name ?? id, description: desc, labels: labels !== undefined && Object.keys(labels).length > 0 ? labels : undefined, ...sortedFields(rest) };
    return this.allowed('upstreams', id, plain(compact(body)), listed ? [...ADC_FIELDS.upstream, 'id'] : ADC_FIELDS.upstream);
  }

  private route(r: ApisixRoute): Json {
    const { id, name, desc, labels: _labels, uri, uris, host, hosts, remote_addr, remote_addrs, plugins, plugin_config_id, service_id: _service, ...rest } = r;
    let merged = plugins;
    if (typeof plugin_config_id === 'string') {
      const shared = this.pluginConfigs.get(plugin_config_id);
      if (shared === undefined) {
        this.lose('routes', id, '/plugin_config_id', `its plugin config \`${plugin_config_id}\` is not in the configuration`);
      } else {
        this.usedPluginConfigs.add(plugin_config_id);
        // As APISIX merges them: the route's own plugins win over the plugin config's.
        merged = sortedFields({ ...(shared.plugins ?? {}), ...(plugins ?? {}) });
      }
    }
    const body = compact({
      id,
      name: name ?? id,
      description: desc,
      labels: this.labels(r),
      uris: uris ?? (uri === undefined ? undefined : [uri]),
      hosts: hosts ?? (host === undefined ? undefined : [host]),
      remote_addrs: remote_addrs ?? (remote_addr === undefined ? undefined : [remote_addr]),
      plugins: merged,
      ...sortedFields(rest),
    });
    return this.allowed('routes', id, plain(body), ADC_FIELDS.route);
  }

  private streamRoute(r: ApisixStreamRoute, consumed: readonly string[] = []): Json {
    const { id, name, desc, labels: _labels, service_id: _service, ...rest } = r;
    const own = this.labels(r) ?? {};
    const labels = Object.fromEntries(Object.entries(own).filter(([k]) => k !== ADC_STREAM_ROUTE_NAME_LABEL));
    const body = compact({
      id,
      name: own[ADC_STREAM_ROUTE_NAME_LABEL] ?? name ?? id,
      description: desc,
      labels: Object.keys(labels).length > 0 ? labels : undefined,
      ...sortedFields(Object.fromEntries(Object.entries(rest).filter(([k]) => !consumed.includes(k)))),
    });
    return this.allowed('stream_routes', id, plain(body), ADC_FIELDS.stream_route);
  }

  private ssl(s: ApisixObject & Json): Json | null {
    const refs = this.references('ssls', s);
    if (refs === null) return null;
    const pairs = [{ certificate: refs['cert'], key: refs['key'] }];
    const certs = (refs['certs'] ?? []) as unknown[];
    const keys = (refs['keys'] ?? []) as unknown[];
    certs.forEach((cert, i) => pairs.push({ certificate: cert, key: keys[i] }));
    const { id, labels: _labels, type, sni, snis, cert: _c, key: _k, certs: _cs, keys: _ks, client, ssl_protocols, ...rest } = refs as Json & { id: string };
    const names = snis ?? (sni === undefined ? undefined : [sni]);
    if (!Array.isArray(names) || names.length === 0) {
      // A client certificate (an upstream's `tls.client_cert_id`) serves no host: ADC's SSLs all do.
      this.lose('ssls', id, undefined, 'ADC\'s SSLs serve host names (`snis`), and this one has none: give the upstream its certificate in `tls.client_cert` / `tls.client_key` instead');
      return null;
    }
    const body = compact({
      id,
      labels: this.labels(s),
      type,
      snis: names,
      certificates: pairs,
      client,
      ssl_protocols,
      ...sortedFields(rest),
    });
    return this.allowed('ssls', id, body, ADC_FIELDS.ssl);
  }

  private consumer(u: ApisixObject & Json): Json | null {
    const refs = this.references('consumers', u);
    if (refs === null) return null;
    const { id: _id, username, desc, labels: _labels, plugins, group_id: _group, ...rest } = refs;
    const body = compact({ username: username ?? u.id, description: desc, labels: this.labels(u), plugins, ...sortedFields(rest) });
    return this.allowed('consumers', u.id, body, ADC_FIELDS.consumer);
  }

  /**
   * `object` with its references in ADC's form (`env:NAME` → `${NAME}`, the rest escaped), or
   * null (and the reason lost) when a field reads a file, which ADC cannot.
   */
  private references(kind: ApisixKind, object: ApisixObject & Json): Json | null {
    const resolved = syncResolvedPointers(kind, object);
    let file: string | null = null;
    const walk = (value: unknown, at: string): unknown => {
      if (typeof value === 'string') {
        if (resolved.has(at)) {
          const env = /^env:(\w+)$/.exec(value);
          if (env !== null) return `\${${env[1]}}`;
          if (value.startsWith('file:')) file ??= at;
        }
        return escapeEnv(value);
      }
      if (Array.isArray(value)) return value.map((v, i) => walk(v, `${at}/${i}`));
      if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v, `${at}/${escapePointer(k)}`)]));
      return value;
    };
    const out = walk(object, '') as Json;
    if (file !== null) {
      this.lose(kind, object.id, file, 'tagway reads this value from a file at sync, which ADC cannot: put it in an environment variable and refer to it as `env:NAME` (ADC: `${NAME}`), or use `$secret://`');
      return null;
    }
    return out;
  }

  /** The fields of `object` named in `order` (APISIX's names; `desc` becomes `description`), then `more`; `consumed` fields are the writer's. */
  private fields(kind: ApisixKind, object: ApisixObject, order: readonly string[], more: Json, consumed: readonly string[] = []): Json {
    const body: Record<string, unknown> = {};
    for (const field of order) {
      const value = field === 'labels' ? this.labels(object) : object[field];
      if (value !== undefined) body[field === 'desc' ? 'description' : field] = value;
    }
    const rest = Object.fromEntries(Object.entries(object).filter(([k]) => !order.includes(k) && !consumed.includes(k)));
    const allowed = kind === 'services' ? ADC_FIELDS.service : ADC_FIELDS.consumer_group;
    return this.allowed(kind, object.id, { ...(plain(compact({ ...body, ...sortedFields(rest) })) as Json), ...compact(more) }, allowed);
  }

  /**
   * `body` without the fields ADC's object has no place for (each reported), in ADC's order: who
   * it is (`FIRST`), then its settings by name, then the objects inside it (`LAST`).
   */
  private allowed(kind: ApisixKind, id: string, body: unknown, fields: readonly string[]): Json {
    const kept: [string, unknown][] = [];
    for (const [k, v] of Object.entries(body as Json)) {
      if (fields.includes(k)) kept.push([k, v]);
      else this.lose(kind, id, `/${escapePointer(k)}`, `ADC's ${kind.replace(/s$/, '').replace(/_/g, ' ')} has no field \`${k}\``);
    }
    const rank = (k: string) => (FIRST.includes(k) ? FIRST.indexOf(k) - FIRST.length : LAST.includes(k) ? 1 + LAST.indexOf(k) : 0);
    return Object.fromEntries(kept.sort(([a], [b]) => rank(a) - rank(b) || cmp(a, b)));
  }

  private labels(object: ApisixObject): Readonly<Record<string, string>> | undefined {
    return object.labels !== undefined && Object.keys(object.labels).length > 0 ? sortedFields(object.labels) : undefined;
  }

  private lose(kind: ApisixKind, id: string, field: string | undefined, reason: string): void {
    this.lost.push({ kind, id, ...(field !== undefined ? { field } : {}), reason });
  }
}

const FIRST = ['id', 'name', 'username', 'description', 'labels'];
const LAST = ['upstream', 'upstreams', 'routes', 'stream_routes', 'consumers'];

/** Ids of upstreams a set of plugins names (`traffic-split`'s weighted upstreams, for one). */
function upstreamIdsIn(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(upstreamIdsIn);
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([k, v]) => (k === 'upstream_id' && typeof v === 'string' ? [v] : upstreamIdsIn(v)));
}

/** `value` with every text ADC would take for an environment reference escaped. */
function plain(value: unknown): unknown {
  if (typeof value === 'string') return escapeEnv(value);
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  return value;
}

function escapeEnv(text: string): string {
  return text.replace(new RegExp(ENV_REFERENCE.source, 'g'), (m) => `\\${m}`);
}

function sortedFields<T extends Json>(o: T): T {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => cmp(a, b))) as T;
}

function compact<T extends Record<string, unknown>>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

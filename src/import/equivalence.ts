/**
 * Whether the repository an import wrote compiles to the gateway it was read from:
 * `checkEquivalence(source, compiled, options)` compares the two configurations object by object
 * by what the gateway does with them, not by ids, which tagway chooses itself
 * (`<service>.<route>`), nor by tagway's labels (`managed-by`, `tagway.*`).
 *
 * How each kind is compared (facts of apache/apisix f519a0f: `apisix/init.lua`,
 * `apisix/plugin.lua` `merge_service_route`, `merge_service_stream_route`, `merge_consumer_route`,
 * `apisix/plugin_config.lua` `merge`, `apisix/http/route.lua`):
 * - A route is what a request sees. It is matched by its routing key: hosts (the route's `hosts`,
 *   else its `host`, else its service's `hosts`), uris (`uris` or `uri`), methods (absent: all),
 *   `vars`, `priority` (0 by default), remote addresses, `filter_func`; hosts, uris, methods and
 *   remote addresses as sets. Then compared: its plugins as they run (the service's, overlaid by
 *   the plugin config's, overlaid by the route's own, plugin by plugin), its upstream as it runs
 *   (the route's `upstream_id`, else its `upstream`, else the service's `upstream_id`, else the
 *   service's `upstream`), `enable_websocket` (the route's, else the service's), `timeout`,
 *   `status`, `script`, `desc` and labels.
 * - A stream route by its server address and port, remote address and SNI; its plugins are the
 *   service's overlaid by its own, its upstream the route's `upstream_id`, `upstream`, then the
 *   service's `upstream`, `upstream_id`.
 * - An upstream by its content: nodes as a set (the hash form `{"host:port": weight}` is the
 *   array form), every other field but `id`, `name`, `desc` and labels, schema defaults dropped; a
 *   client certificate (`tls.client_cert_id`) by the SSL's certificate. `traffic-split` names its
 *   upstreams by id: they are compared by content too.
 * - A consumer by its username: its plugins, its group's plugins (not the group's id), `desc`,
 *   labels. A service, consumer group or plugin config that routes or consumers use is compared
 *   through them, and its own `desc` and labels once per pair found that way; one nothing uses
 *   is compared by content with the unused ones of the other side.
 * - Labels: every label of the source object is on the compiled one with its value. A label only
 *   the compiled side has is not a difference: a template's labels go on every object of its
 *   service, so routes inherit their service's; labels change no request's way.
 * - SSLs by type and sorted SNIs; global rules by their plugins (a plugin runs in one global rule
 *   of a gateway at most, whatever the rule's id); plugin metadata and secret managers by id.
 *
 * `options.skip` names what the import could not write (`Unexpressed`): left out, and left out of
 * the objects that use it too (a service's plugin of every route's plugins as they run).
 *
 * Secrets: where the compiled side holds a reference (tagway's `env:NAME`, `file:PATH`, APISIX's
 * `$env://…`, `$secret://…`) and the source a value, `options.resolveSecret` gives the reference's
 * value: compared with the source's, or, when it gives none, the field is counted as not
 * compared. A private key is compared only when both sides hold one in PEM: a gateway returns keys
 * encrypted or not at all. No value a difference shows is a secret: both sides are masked by
 * src/secrets/classify.ts (and the kind's secret fields), and a resolved value is never shown.
 *
 * Pure and deterministic: differences sorted by kind, ids, field and message; inputs unchanged.
 */
import { canonicalJson } from '../core/canonical.js';
import { KIND } from '../apisix/kinds/index.js';
import { referencesOf } from '../apisix/references.js';
import { normalizeObject, sameJson } from '../apisix/normalize.js';
import { maskSecretPair, maskSecrets } from '../secrets/classify.js';
import { isGatewayReference, syncReferenceOf } from '../secrets/references.js';
import type { ApisixConfig, ApisixKind, ApisixObject } from '../model/apisix.js';
import { LABEL_MANAGED_BY } from '../model/apisix.js';

type Json = unknown;
type JsonObject = Record<string, Json>;

/** One way the compiled configuration does not do what the source does. */
export interface Difference {
  readonly kind: ApisixKind;
  /** The source object's id; absent for a compiled object that matches none of the source's. */
  readonly sourceId?: string;
  /** The compiled object's id; absent for a source object that nothing compiled matches. */
  readonly compiledId?: string;
  /** JSON pointer into the object as compared (its plugins as they run, its upstream resolved); '' for the whole object. */
  readonly field: string;
  readonly message: string;
  /** The source's value, JSON with secrets masked; absent where the source has none. */
  readonly source?: string;
  /** The compiled value, JSON with secrets masked; absent where the compiled side has none. */
  readonly compiled?: string;
}

/** A field left out of the comparison, named but never with its value. */
export interface NotCompared {
  readonly kind: ApisixKind;
  readonly sourceId: string;
  readonly compiledId?: string;
  readonly field: string;
  /** `secret reference`: the reference has no value here; `private key`: not held in PEM by both sides. */
  readonly reason: 'secret reference' | 'private key';
}

/** A source object (or one field of it) left out of the comparison: one the import did not write, or one tagway manages already (`category`). */
export interface SkippedObject {
  readonly kind: ApisixKind | string;
  readonly id: string;
  /** JSON pointer below the object, as in `Difference.field`; absent: the whole object. */
  readonly field?: string;
  /** Why it is left out, as the report counts whole objects: `not imported` when absent. */
  readonly category?: string;
}

export interface EquivalenceOptions {
  /** The value of a secret reference of the compiled side, or undefined when it has none here. */
  readonly resolveSecret?: (reference: string) => string | undefined;
  readonly skip?: readonly SkippedObject[];
}

export interface EquivalenceReport {
  readonly differences: readonly Difference[];
  /** Sorted as differences are. */
  readonly notCompared: readonly NotCompared[];
  /** How many whole objects of the source `options.skip` left out. */
  readonly skipped: number;
  /** Those, by their entries' `category` (`not imported` when it gives none), in key order. */
  readonly skippedBy: Readonly<Record<string, number>>;
  /** How many fields of source objects `options.skip` left out. */
  readonly skippedFields: number;
  /** How many source objects were compared (skipped ones not counted). */
  readonly compared: number;
  /**
   * Those, by kind, in kind order: each kind's objects matched on their own, and the services,
   * plugin configs and consumer groups paired through the objects that use them.
   */
  readonly comparedByKind: Readonly<Partial<Record<ApisixKind, number>>>;
}

/** The differences of `checkEquivalence`: empty when the compiled configuration does what the source does. */
export function compareGateways(source: ApisixConfig, compiled: ApisixConfig, options: EquivalenceOptions = {}): Difference[] {
  return [...checkEquivalence(source, compiled, options).differences];
}

export function checkEquivalence(source: ApisixConfig, compiled: ApisixConfig, options: EquivalenceOptions = {}): EquivalenceReport {
  const run = new Comparison(source, compiled, options);
  run.compareKind('routes', routeView, 'route');
  run.compareKind('stream_routes', streamRouteView, 'stream route');
  run.compareKind('consumers', consumerView, 'consumer');
  run.ssls();
  run.globalRules();
  // Plugin metadata and secret managers by id, every field but the server's.
  run.compareKind('plugin_metadata', (o, g, f) => wholeView('plugin_metadata', o, g, f), 'plugin metadata');
  run.compareKind('secrets', (o, g, f) => wholeView('secrets', o, g, f), 'secret manager');
  run.pairedOwnFields();
  run.unused();
  return run.report();
}

// ---------------------------------------------------------------------------------------------
// The two sides, indexed

type Side = 'source' | 'compiled';

class Gateway {
  readonly byKind: { readonly [K in ApisixKind]?: ReadonlyMap<string, ApisixObject> } = {};
  /** Ids of objects another object refers to, by kind. */
  readonly used = new Map<ApisixKind, Set<string>>();

  constructor(readonly config: ApisixConfig, readonly side: Side) {
    for (const name of Object.keys(KIND) as ApisixKind[]) {
      const objects = config[name] ?? [];
      (this.byKind as Record<string, Map<string, ApisixObject>>)[name] = new Map(objects.map((o) => [String(o.id), o]));
      for (const obj of objects) {
        for (const ref of referencesOf(KIND[name], obj)) {
          let ids = this.used.get(ref.kind);
          if (ids === undefined) this.used.set(ref.kind, (ids = new Set()));
          ids.add(ref.id);
        }
      }
    }
  }

  get(kind: ApisixKind, id: unknown): JsonObject | undefined {
    return id === undefined || id === null ? undefined : (this.byKind[kind]?.get(String(id)) as JsonObject | undefined);
  }

  isUsed(kind: ApisixKind, id: string): boolean {
    return this.used.get(kind)?.has(id) ?? false;
  }
}

function isObject(value: Json): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function pointerSegment(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

function segmentsOf(pointer: string): string[] {
  return pointer === '' ? [] : pointer.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function valueAt(value: Json, pointer: string): Json {
  let out = value;
  for (const segment of segmentsOf(pointer)) {
    out = Array.isArray(out) ? out[Number(segment)] : isObject(out) ? out[segment] : undefined;
  }
  return out;
}

/** Longest text a difference shows of one value. */
const MAX_VALUE = 200;

function shown(value: Json): string | undefined {
  if (value === undefined) return undefined;
  const text = JSON.stringify(value) ?? 'null';
  return text.length <= MAX_VALUE ? text : `${text.slice(0, MAX_VALUE - 1)}…`;
}

/** A compiled string that stands for a value held elsewhere. */
function isReference(value: Json): value is string {
  return typeof value === 'string' && (isGatewayReference(value) || syncReferenceOf(value) !== null);
}

// ---------------------------------------------------------------------------------------------
// Comparison forms

/** Labels as compared: on the compiled side without tagway's own. Absent when none remain. */
function labelsOf(obj: JsonObject, side: Side): JsonObject | undefined {
  if (!isObject(obj.labels)) return undefined;
  const out: JsonObject = {};
  for (const key of Object.keys(obj.labels).sort(compareText)) {
    if (side === 'compiled' && (key === LABEL_MANAGED_BY || key.startsWith('tagway.'))) continue;
    out[key] = obj.labels[key];
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** A node of the hash form `"host:port"` (`[v6]:port` for IPv6), with its weight. */
function hashNode(address: string, weight: Json): JsonObject {
  const bracket = /^(\[[^\]]*\])(?::(\d+))?$/.exec(address);
  if (bracket) return bracket[2] === undefined ? { host: bracket[1], weight } : { host: bracket[1], port: Number(bracket[2]), weight };
  const colon = address.lastIndexOf(':');
  if (colon > 0 && address.indexOf(':') === colon && /^\d+$/.test(address.slice(colon + 1))) {
    return { host: address.slice(0, colon), port: Number(address.slice(colon + 1)), weight };
  }
  return { host: address, weight };
}

/** Nodes as a set: the array form, `priority` 0 dropped, sorted by canonical JSON. */
function nodesForm(nodes: Json): Json {
  const list = Array.isArray(nodes) ? nodes : isObject(nodes) ? Object.entries(nodes).map(([address, weight]) => hashNode(address, weight)) : nodes;
  if (!Array.isArray(list)) return list;
  const forms = list.map((node) => {
    if (!isObject(node)) return node;
    const out: JsonObject = { ...node };
    if (out.priority === 0) delete out.priority;
    return out;
  });
  return forms.map((n) => [canonicalJson(n), n] as const).sort((a, b) => compareText(a[0], b[0])).map(([, n]) => n);
}

const UPSTREAM_IDENTITY = ['id', 'name', 'desc', 'labels'];

class Forms {
  private readonly upstreamForms = new Map<string, Json>();

  constructor(private readonly gateway: Gateway) {}

  /** An upstream's comparison form (see the file's comment). */
  upstream(up: JsonObject): JsonObject {
    const body: JsonObject = { ...up, id: '' };
    if (body.nodes !== undefined) body.nodes = nodesForm(body.nodes);
    const out = normalizeObject(KIND.upstreams, body as ApisixObject);
    for (const field of UPSTREAM_IDENTITY) delete out[field];
    if (isObject(out.tls) && out.tls.client_cert_id !== undefined) {
      const ssl = this.gateway.get('ssls', out.tls.client_cert_id);
      const { client_cert_id: id, ...tls } = out.tls;
      out.tls = { ...tls, client_cert: ssl === undefined ? { missing: `ssl ${String(id)}` } : trimmedCert(ssl.cert) };
    }
    return out;
  }

  /** The upstream with id `id`, in its comparison form (computed once). */
  upstreamById(id: Json): Json {
    const key = String(id);
    let form = this.upstreamForms.get(key);
    if (form === undefined) {
      const up = this.gateway.get('upstreams', id);
      form = up === undefined ? { missing: `upstream ${key}` } : this.upstream(up);
      this.upstreamForms.set(key, form);
    }
    return form;
  }

  /** Plugins as compared: `traffic-split`'s upstreams by content, not by id. */
  plugins(plugins: Json): JsonObject | undefined {
    if (!isObject(plugins) || Object.keys(plugins).length === 0) return undefined;
    const split = plugins['traffic-split'];
    if (!isObject(split) || !Array.isArray(split.rules)) return plugins;
    const rules = split.rules.map((rule) => {
      if (!isObject(rule) || !Array.isArray(rule.weighted_upstreams)) return rule;
      return {
        ...rule,
        weighted_upstreams: rule.weighted_upstreams.map((wu) => {
          if (!isObject(wu)) return wu;
          const { upstream_id: id, upstream, ...rest } = wu;
          if (id !== undefined) return { ...rest, upstream: this.upstreamById(id) };
          if (isObject(upstream)) return { ...rest, upstream: this.upstream(upstream) };
          return rest;
        }),
      };
    });
    return { ...plugins, 'traffic-split': { ...split, rules } };
  }
}

function trimmedCert(cert: Json): Json {
  return typeof cert === 'string' ? cert.trim() : cert;
}

function sortedSet(values: Json): string[] | null {
  if (!Array.isArray(values) || values.length === 0) return null;
  return [...new Set(values.map((v) => String(v)))].sort(compareText);
}

function listOrOne(list: Json, one: Json): Json {
  return Array.isArray(list) && list.length > 0 ? list : typeof one === 'string' ? [one] : undefined;
}

function merged(...layers: (JsonObject | undefined)[]): JsonObject | undefined {
  const out: JsonObject = {};
  for (const layer of layers) if (layer) Object.assign(out, layer);
  return Object.keys(out).length > 0 ? out : undefined;
}

function defined(obj: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(obj)) if (v !== undefined) out[k] = v;
  return out;
}

/** Makes the view of one object of one side. */
type ViewMaker = (obj: JsonObject, gateway: Gateway, forms: Forms) => View;

/** One object of one side in its comparison form, under the key it is matched by. */
interface View {
  readonly id: string;
  readonly key: string;
  /** What a message says of the key (secrets masked). */
  readonly label: string;
  readonly form: JsonObject;
  /** Objects it uses whose own fields are compared once per pair: kind → id. */
  readonly uses: readonly (readonly [ApisixKind, string])[];
}

function routeView(route: JsonObject, gateway: Gateway, forms: Forms): View {
  const service = gateway.get('services', route.service_id);
  const config = gateway.get('plugin_configs', route.plugin_config_id);
  const hosts = listOrOne(route.hosts, route.host) ?? listOrOne(service?.hosts, undefined);
  const key = {
    hosts: sortedSet(Array.isArray(hosts) ? hosts.map((h) => String(h).toLowerCase()) : hosts),
    uris: sortedSet(listOrOne(route.uris, route.uri)),
    methods: sortedSet(route.methods),
    vars: Array.isArray(route.vars) && route.vars.length > 0 ? route.vars : null,
    priority: typeof route.priority === 'number' ? route.priority : 0,
    remote_addrs: sortedSet(listOrOne(route.remote_addrs, route.remote_addr)),
    filter_func: route.filter_func ?? null,
  };
  const upstream =
    route.upstream_id !== undefined ? forms.upstreamById(route.upstream_id)
      : isObject(route.upstream) ? forms.upstream(route.upstream)
        : service?.upstream_id !== undefined ? forms.upstreamById(service.upstream_id)
          : isObject(service?.upstream) ? forms.upstream(service.upstream)
            : undefined;
  const form = defined({
    plugins: forms.plugins(merged(asObject(service?.plugins), asObject(config?.plugins), asObject(route.plugins))),
    upstream,
    enable_websocket: (route.enable_websocket ?? service?.enable_websocket ?? false) as Json,
    timeout: route.timeout,
    status: route.status ?? 1,
    script: route.script,
    desc: route.desc,
    labels: labelsOf(route, gateway.side),
  });
  const uses: [ApisixKind, string][] = [];
  if (service) uses.push(['services', String(route.service_id)]);
  if (config) uses.push(['plugin_configs', String(route.plugin_config_id)]);
  return { id: String(route.id), key: canonicalJson(key), label: routeLabel(key), form, uses };
}

function asObject(value: Json): JsonObject | undefined {
  return isObject(value) ? value : undefined;
}

function routeLabel(key: { hosts: string[] | null; uris: string[] | null; methods: string[] | null; vars: Json; priority: number; remote_addrs: string[] | null; filter_func: Json }): string {
  const parts = [`${key.methods?.join(',') ?? 'any method'} ${key.uris?.join(',') ?? '(no uri)'}`, `on ${key.hosts?.join(',') ?? 'any host'}`];
  if (key.vars !== null) parts.push(`vars ${canonicalJson(maskSecrets({ vars: key.vars }).vars)}`);
  if (key.priority !== 0) parts.push(`priority ${key.priority}`);
  if (key.remote_addrs !== null) parts.push(`from ${key.remote_addrs.join(',')}`);
  if (key.filter_func !== null) parts.push('with a filter_func');
  return parts.join(' ');
}

function streamRouteView(route: JsonObject, gateway: Gateway, forms: Forms): View {
  const service = gateway.get('services', route.service_id);
  const key = {
    server_addr: route.server_addr ?? null,
    server_port: route.server_port ?? null,
    remote_addr: route.remote_addr ?? null,
    sni: route.sni ?? null,
  };
  const upstream =
    route.upstream_id !== undefined ? forms.upstreamById(route.upstream_id)
      : isObject(route.upstream) ? forms.upstream(route.upstream)
        : isObject(service?.upstream) ? forms.upstream(service.upstream)
          : service?.upstream_id !== undefined ? forms.upstreamById(service.upstream_id)
            : undefined;
  const form = defined({
    plugins: forms.plugins(merged(asObject(service?.plugins), asObject(route.plugins))),
    upstream,
    protocol: route.protocol,
    desc: route.desc,
    labels: labelsOf(route, gateway.side),
  });
  const label = `${String(key.server_addr ?? '*')}:${String(key.server_port ?? '*')}${key.remote_addr !== null ? ` from ${String(key.remote_addr)}` : ''}${key.sni !== null ? ` sni ${String(key.sni)}` : ''}`;
  return { id: String(route.id), key: canonicalJson(key), label, form, uses: service ? [['services', String(route.service_id)]] : [] };
}

function consumerView(consumer: JsonObject, gateway: Gateway, forms: Forms): View {
  const group = gateway.get('consumer_groups', consumer.group_id);
  const form = defined({
    plugins: forms.plugins(consumer.plugins),
    group: consumer.group_id === undefined ? undefined : group === undefined ? { missing: `consumer group ${String(consumer.group_id)}` } : defined({ plugins: forms.plugins(group.plugins) }),
    desc: consumer.desc,
    labels: labelsOf(consumer, gateway.side),
  });
  const username = String(consumer.username ?? consumer.id);
  return { id: String(consumer.id), key: username, label: `username ${username}`, form, uses: group ? [['consumer_groups', String(consumer.group_id)]] : [] };
}

const SSL_KEY_FIELDS = ['key', 'keys'];
/** What the Admin API reads out of an SSL's certificate and stores beside it: compared through the certificate. */
const SSL_DERIVED = ['validity_start', 'validity_end'];

function sslView(ssl: JsonObject, gateway: Gateway): View {
  const snis = sortedSet(listOrOne(ssl.snis, ssl.sni)) ?? [];
  const type = typeof ssl.type === 'string' ? ssl.type : 'server';
  const form: JsonObject = {};
  for (const [field, value] of Object.entries(ssl)) {
    if (field === 'id' || field === 'labels' || field === 'sni' || field === 'snis' || SSL_KEY_FIELDS.includes(field) || SSL_DERIVED.includes(field) || KIND.ssls.serverFields.includes(field)) continue;
    form[field] = field === 'cert' ? trimmedCert(value) : field === 'certs' && Array.isArray(value) ? value.map(trimmedCert) : value;
  }
  form.type = type;
  if (form.status === 1) delete form.status;
  const labels = labelsOf(ssl, gateway.side);
  if (labels) form.labels = labels;
  return { id: String(ssl.id), key: `${type} ${snis.join(',')}`, label: `${type} for ${snis.join(', ') || '(no SNI)'}`, form, uses: [] };
}

/** Every field but the id and the server's, labels as compared. */
function wholeView(kind: ApisixKind, obj: JsonObject, gateway: Gateway, forms: Forms): View {
  const form: JsonObject = {};
  for (const [field, value] of Object.entries(obj)) {
    if (field === 'id' || field === 'labels' || KIND[kind].serverFields.includes(field)) continue;
    form[field] = field === 'plugins' ? forms.plugins(value) : value;
  }
  const labels = labelsOf(obj, gateway.side);
  if (labels) form.labels = labels;
  return { id: String(obj.id), key: String(obj.id), label: String(obj.id), form: defined(form), uses: [] };
}

/** A used object's own fields, compared once per pair: `desc` and labels. */
function ownFields(obj: JsonObject, side: Side): JsonObject {
  return defined({ desc: obj.desc, labels: labelsOf(obj, side) });
}

/** An unused object's content (see the file's comment): everything but its id, name and tagway's labels. */
function unusedForm(kind: ApisixKind, obj: JsonObject, gateway: Gateway, forms: Forms): JsonObject {
  if (kind === 'upstreams') return forms.upstream(obj);
  const form: JsonObject = {};
  for (const [field, value] of Object.entries(obj)) {
    if (field === 'id' || field === 'name' || field === 'labels' || KIND[kind].serverFields.includes(field)) continue;
    if (field === 'plugins') form.plugins = forms.plugins(value);
    else if (field === 'upstream' && isObject(value)) form.upstream = forms.upstream(value);
    else if (field === 'upstream_id') form.upstream = forms.upstreamById(value);
    else form[field] = value;
  }
  const labels = labelsOf(obj, gateway.side);
  if (labels) form.labels = labels;
  return defined(form);
}

// ---------------------------------------------------------------------------------------------
// The comparison

/** A service's fields that are its own, not part of its routes' comparison forms. */
const OWN_FIELDS: ReadonlySet<string> = new Set(['desc', 'name', 'id', 'hosts']);

const UNUSED_KINDS: readonly ApisixKind[] = ['services', 'upstreams', 'plugin_configs', 'consumer_groups'];

class Comparison {
  private readonly src: Gateway;
  private readonly out: Gateway;
  private readonly srcForms: Forms;
  private readonly outForms: Forms;
  private readonly differences: Difference[] = [];
  private readonly notCompared: NotCompared[] = [];
  private readonly skipWhole = new Set<string>();
  private readonly skipFields = new Map<string, string[]>();
  private skipped = 0;
  private readonly skippedBy = new Map<string, number>();
  private skippedFields = 0;
  private compared = 0;
  private readonly comparedBy = new Map<ApisixKind, number>();
  /** Pairs of used objects found through their users: kind → source id → compiled id. */
  private readonly pairs = new Map<ApisixKind, Map<string, string>>();

  constructor(source: ApisixConfig, compiled: ApisixConfig, private readonly options: EquivalenceOptions) {
    this.src = new Gateway(source, 'source');
    this.out = new Gateway(compiled, 'compiled');
    this.srcForms = new Forms(this.src);
    this.outForms = new Forms(this.out);
    for (const entry of options.skip ?? []) {
      const key = `${entry.kind}\u0000${entry.id}`;
      const whole = entry.field === undefined || entry.field === '';
      if (this.src.byKind[entry.kind as ApisixKind]?.has(entry.id)) {
        if (!whole) this.skippedFields += 1;
        else if (!this.skipWhole.has(key)) {
          this.skipped += 1;
          const category = entry.category ?? 'not imported';
          this.skippedBy.set(category, (this.skippedBy.get(category) ?? 0) + 1);
        }
      }
      if (whole) this.skipWhole.add(key);
      else this.skipFields.set(key, [...(this.skipFields.get(key) ?? []), entry.field!]);
    }
    if (this.skipWhole.size + this.skipFields.size > 0) this.inheritSkips();
  }

  /**
   * What is left out of a used object is left out of its users, at the place their comparison
   * form holds it: a service's or plugin config's `/plugins/x` in a route's `/plugins/x` (a
   * service's other fields but its own, `/enable_websocket` say, at the same place), a referred
   * upstream (whole, or `/nodes`) in a route's `/upstream`, a consumer group's `/plugins/x` in a
   * consumer's `/group/plugins/x`.
   */
  private inheritSkips(): void {
    const skipsOf = (kind: ApisixKind, id: Json, below: string): string[] => {
      if (id === undefined) return [];
      const key = `${kind}\u0000${String(id)}`;
      if (this.skipWhole.has(key)) return [below];
      return (this.skipFields.get(key) ?? []).map((f) => `${below}${f}`);
    };
    const inherit = (kind: ApisixKind, id: string, fields: string[]) => {
      if (fields.length === 0) return;
      const key = `${kind}\u0000${id}`;
      this.skipFields.set(key, [...(this.skipFields.get(key) ?? []), ...fields]);
    };
    const upstreamSkips = (obj: JsonObject | undefined) =>
      obj === undefined ? [] : skipsOf('upstreams', obj.upstream_id, '/upstream');
    for (const kind of ['routes', 'stream_routes'] as const) {
      for (const obj of this.src.config[kind] as readonly JsonObject[]) {
        const service = this.src.get('services', obj.service_id);
        const fields = [...upstreamSkips(obj), ...upstreamSkips(service), ...(kind === 'routes' ? skipsOf('plugin_configs', obj.plugin_config_id, '') : [])];
        if (service !== undefined) {
          const key = `services\u0000${String(obj.service_id)}`;
          fields.push(...(this.skipWhole.has(key) ? [''] : (this.skipFields.get(key) ?? []).filter((f) => !OWN_FIELDS.has(segmentsOf(f)[0] ?? ''))));
        }
        inherit(kind, String(obj.id), fields.filter((f) => f !== ''));
        if (fields.includes('')) this.skipWhole.add(`${kind}\u0000${String(obj.id)}`);
      }
    }
    for (const obj of this.src.config.consumers as readonly JsonObject[]) {
      inherit('consumers', String(obj.id), skipsOf('consumer_groups', obj.group_id, '/group'));
    }
  }

  report(): EquivalenceReport {
    const order = (a: { kind: string; sourceId?: string; compiledId?: string; field: string }, b: typeof a) =>
      compareText(a.kind, b.kind) || compareText(a.sourceId ?? '', b.sourceId ?? '') || compareText(a.compiledId ?? '', b.compiledId ?? '') || compareText(a.field, b.field);
    const differences = this.differences.sort((a, b) => order(a, b) || compareText(a.message, b.message));
    const notCompared = this.notCompared.sort((a, b) => order(a, b) || compareText(a.reason, b.reason));
    const skippedBy = Object.fromEntries([...this.skippedBy].sort((a, b) => compareText(a[0], b[0])));
    const comparedByKind = Object.fromEntries([...this.comparedBy].sort((a, b) => compareText(a[0], b[0])));
    return { differences, notCompared, skipped: this.skipped, skippedBy, skippedFields: this.skippedFields, compared: this.compared, comparedByKind };
  }

  private count(kind: ApisixKind, n: number): void {
    if (n === 0) return;
    this.compared += n;
    this.comparedBy.set(kind, (this.comparedBy.get(kind) ?? 0) + n);
  }

  private isSkipped(kind: ApisixKind, id: string): boolean {
    return this.skipWhole.has(`${kind}\u0000${id}`);
  }

  private sources(kind: ApisixKind): JsonObject[] {
    return ((this.src.config[kind] ?? []) as readonly JsonObject[]).filter((o) => !this.isSkipped(kind, String(o.id)));
  }

  private compileds(kind: ApisixKind): JsonObject[] {
    return [...((this.out.config[kind] ?? []) as readonly JsonObject[])];
  }

  /** Matches the objects of `kind` of the two sides by the key of their views (`view`), and compares them. */
  compareKind(kind: ApisixKind, view: ViewMaker, noun: string, extra?: (a: View, b: View) => void): void {
    this.matchViews(
      kind,
      this.sources(kind).map((o) => view(o, this.src, this.srcForms)),
      this.compileds(kind).map((o) => view(o, this.out, this.outForms)),
      noun,
      extra,
    );
  }

  ssls(): void {
    this.compareKind('ssls', sslView, 'SSL certificate', (a, b) => this.compareKeys(this.src.get('ssls', a.id)!, this.out.get('ssls', b.id)!));
  }

  /** Global rules by the plugins they hold: one entry per plugin name on each side. */
  globalRules(): void {
    const plugins = (rules: JsonObject[], forms: Forms) => {
      const out = new Map<string, { id: string; conf: Json }>();
      for (const rule of rules) {
        const set = forms.plugins(rule.plugins) ?? {};
        for (const name of Object.keys(set).sort(compareText)) if (!out.has(name)) out.set(name, { id: String(rule.id), conf: set[name] });
      }
      return out;
    };
    const sources = this.sources('global_rules');
    this.count('global_rules', sources.length);
    const src = plugins(sources, this.srcForms);
    const out = plugins(this.compileds('global_rules'), this.outForms);
    for (const name of [...new Set([...src.keys(), ...out.keys()])].sort(compareText)) {
      const a = src.get(name);
      const b = out.get(name);
      const field = `/plugins/${pointerSegment(name)}`;
      if (a === undefined) this.add({ kind: 'global_rules', compiledId: b!.id, field, message: `global plugin ${name} runs on the compiled gateway only` });
      else if (b === undefined) this.add({ kind: 'global_rules', sourceId: a.id, field, message: `global plugin ${name} is missing from the compiled gateway` });
      else this.compareForms('global_rules', a.id, b.id, { plugins: { [name]: a.conf } }, { plugins: { [name]: b.conf } });
    }
  }

  /** The own fields (`desc`, labels) of services, plugin configs and consumer groups paired through their users. */
  pairedOwnFields(): void {
    for (const [kind, pairs] of [...this.pairs].sort((a, b) => compareText(a[0], b[0]))) {
      for (const [sourceId, compiledId] of pairs) {
        const a = this.src.get(kind, sourceId);
        const b = this.out.get(kind, compiledId);
        if (a && b && !this.isSkipped(kind, sourceId)) {
          this.count(kind, 1);
          this.compareForms(kind, sourceId, compiledId, ownFields(a, 'source'), ownFields(b, 'compiled'));
        }
      }
    }
  }

  /** Services, upstreams, plugin configs and consumer groups nothing uses, by content. */
  unused(): void {
    for (const kind of UNUSED_KINDS) {
      const views = (gateway: Gateway, forms: Forms, objects: JsonObject[]) =>
        objects
          .filter((o) => !gateway.isUsed(kind, String(o.id)))
          .map((o) => {
            const form = unusedForm(kind, o, gateway, forms);
            return { id: String(o.id), key: canonicalJson(form), label: String(o.id), form, uses: [] } satisfies View;
          });
      this.matchViews(kind, views(this.src, this.srcForms, this.sources(kind)), views(this.out, this.outForms, this.compileds(kind)), `unused ${KIND[kind].singular}`, undefined, true);
    }
  }

  /**
   * Pairs the views of the two sides by key; where a key has several on a side, equal forms
   * first, then in order of their forms. Compares each pair, and reports the unpaired.
   * `byContent`: the key is the whole form, so an unpaired view is reported as a whole.
   */
  private matchViews(kind: ApisixKind, sources: View[], compileds: View[], noun: string, extra?: (a: View, b: View) => void, byContent = false): void {
    this.count(kind, sources.length);
    const byKey = (views: View[]) => {
      const map = new Map<string, View[]>();
      for (const v of views) {
        const list = map.get(v.key);
        if (list) list.push(v);
        else map.set(v.key, [v]);
      }
      return map;
    };
    const src = byKey(sources);
    const out = byKey(compileds);
    for (const key of [...new Set([...src.keys(), ...out.keys()])].sort(compareText)) {
      const left = orderViews(src.get(key) ?? []);
      const right = orderViews(out.get(key) ?? []);
      // Equal forms pair first, so a duplicate key does not pair the wrong two.
      const pairs: [View, View][] = left.length > 1 || right.length > 1 ? pairEqualForms(left, right) : [];
      while (left.length > 0 && right.length > 0) pairs.push([left.shift()!, right.shift()!]);
      for (const [a, b] of pairs) {
        this.compareForms(kind, a.id, b.id, a.form, b.form);
        extra?.(a, b);
        this.pairUses(a, b);
      }
      const what = byContent ? `with this content` : `for ${left[0]?.label ?? right[0]?.label ?? ''}`;
      for (const a of left) this.add({ kind, sourceId: a.id, field: '', message: `no compiled ${noun} ${what}` });
      for (const b of right) this.add({ kind, compiledId: b.id, field: '', message: `the compiled ${noun} ${b.id} has no counterpart in the source ${what}` });
    }
  }

  private pairUses(a: View, b: View): void {
    for (const [kind, sourceId] of a.uses) {
      const compiledId = b.uses.find(([k]) => k === kind)?.[1];
      if (compiledId === undefined) continue;
      let pairs = this.pairs.get(kind);
      if (pairs === undefined) this.pairs.set(kind, (pairs = new Map()));
      if (!pairs.has(sourceId)) pairs.set(sourceId, compiledId);
    }
  }

  /** An SSL's private keys: compared only when both sides hold them in PEM (see the file's comment). */
  private compareKeys(a: JsonObject, b: JsonObject): void {
    const sourceId = String(a.id);
    const compiledId = String(b.id);
    for (const field of SSL_KEY_FIELDS) {
      const left = a[field];
      const right = b[field];
      if (left === undefined && right === undefined) continue;
      const pairs: [Json, Json, string][] =
        Array.isArray(left) && Array.isArray(right) && left.length === right.length
          ? left.map((l, i) => [l, right[i], `/${field}/${i}`])
          : [[left, right, `/${field}`]];
      for (const [l, r, pointer] of pairs) {
        const resolved = isReference(r) ? this.options.resolveSecret?.(r) : r;
        if (isReference(r) && resolved === undefined) {
          this.noteNotCompared('ssls', sourceId, compiledId, pointer, 'secret reference');
          continue;
        }
        const pem = (v: Json): v is string => typeof v === 'string' && v.includes('-----BEGIN');
        if (!pem(l) || !pem(resolved)) {
          if (Array.isArray(l) !== Array.isArray(r) && (Array.isArray(l) || Array.isArray(r))) {
            this.add({ kind: 'ssls', sourceId, compiledId, field: pointer, message: 'holds a different number of private keys' });
          } else this.noteNotCompared('ssls', sourceId, compiledId, pointer, 'private key');
          continue;
        }
        if (l.trim() !== resolved.trim()) {
          this.add({ kind: 'ssls', sourceId, compiledId, field: pointer, message: 'private key differs', source: JSON.stringify('<masked>'), compiled: JSON.stringify('<masked, changed>') });
        }
      }
    }
  }

  private noteNotCompared(kind: ApisixKind, sourceId: string, compiledId: string, field: string, reason: NotCompared['reason']): void {
    if (this.fieldSkipped(kind, sourceId, field)) return;
    this.notCompared.push({ kind, sourceId, compiledId, field, reason });
  }

  private fieldSkipped(kind: ApisixKind, sourceId: string | undefined, field: string): boolean {
    if (sourceId === undefined) return false;
    const fields = this.skipFields.get(`${kind}\u0000${sourceId}`);
    return fields?.some((f) => field === f || field.startsWith(`${f}/`)) ?? false;
  }

  private add(difference: Difference): void {
    if (!this.fieldSkipped(difference.kind, difference.sourceId, difference.field)) this.differences.push(difference);
  }

  /** Walks two comparison forms; each difference shows both values masked as a pair. */
  private compareForms(kind: ApisixKind, sourceId: string, compiledId: string, a: JsonObject, b: JsonObject): void {
    const found: { field: string; message: string }[] = [];
    this.walk(kind, sourceId, compiledId, a, b, '', found);
    if (found.length === 0) return;
    const masked = maskSecretPair(a, b, secretFieldsOf(kind));
    for (const { field, message } of found) {
      const source = shown(valueAt(masked.before, field));
      const compiled = shown(valueAt(masked.after, field));
      this.add({ kind, sourceId, compiledId, field, message, ...(source !== undefined ? { source } : {}), ...(compiled !== undefined ? { compiled } : {}) });
    }
  }

  private walk(kind: ApisixKind, sourceId: string, compiledId: string, a: Json, b: Json, pointer: string, found: { field: string; message: string }[]): void {
    if (a === undefined && b === undefined) return;
    if (typeof b === 'string' && isReference(b) && a !== b) {
      const value = this.options.resolveSecret?.(b);
      if (value === undefined) this.noteNotCompared(kind, sourceId, compiledId, pointer, 'secret reference');
      else if (typeof a !== 'string' || (value !== a && value.trim() !== a.trim())) found.push({ field: pointer, message: a === undefined ? 'set on the compiled side only' : 'differs from the value of the compiled reference' });
      return;
    }
    // A set of plugins on one side only: each plugin is its own difference (and may be left out).
    if (pointer.endsWith('/plugins') && (a === undefined || b === undefined) && (isObject(a) || isObject(b))) {
      this.walk(kind, sourceId, compiledId, a ?? {}, b ?? {}, pointer, found);
      return;
    }
    // A label the compiled object inherits from its template (see the module comment).
    if (a === undefined && (pointer === '/labels' || pointer.startsWith('/labels/'))) return;
    if (a === undefined) {
      found.push({ field: pointer, message: 'set on the compiled side only' });
      return;
    }
    if (b === undefined) {
      found.push({ field: pointer, message: 'missing from the compiled side' });
      return;
    }
    if (isObject(a) && isObject(b)) {
      for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort(compareText)) {
        this.walk(kind, sourceId, compiledId, a[key], b[key], `${pointer}/${pointerSegment(key)}`, found);
      }
      return;
    }
    if (Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.length > 0) {
      for (let i = 0; i < a.length; i++) this.walk(kind, sourceId, compiledId, a[i], b[i], `${pointer}/${i}`, found);
      return;
    }
    if (!sameJson(emptyAsNothing(a), emptyAsNothing(b))) found.push({ field: pointer, message: 'differs' });
  }
}

/** `{}` and `[]` are one value in APISIX (Lua tables). */
function emptyAsNothing(value: Json): Json {
  if ((Array.isArray(value) && value.length === 0) || (isObject(value) && Object.keys(value).length === 0)) return [];
  return value;
}

/** Takes the views of equal forms out of `left` and `right`, as pairs. */
function pairEqualForms(left: View[], right: View[]): [View, View][] {
  const pairs: [View, View][] = [];
  for (let i = 0; i < left.length; i++) {
    const j = right.findIndex((r) => sameJson(r.form, left[i]!.form));
    if (j >= 0) {
      pairs.push([left[i]!, right[j]!]);
      left.splice(i--, 1);
      right.splice(j, 1);
    }
  }
  return pairs;
}

function orderViews(views: View[]): View[] {
  if (views.length < 2) return [...views];
  return views.map((v) => [canonicalJson(v.form), v] as const).sort((x, y) => compareText(x[0], y[0]) || compareText(x[1].id, y[1].id)).map(([, v]) => v);
}

/** The kind's secret fields, at the places the comparison forms hold them. */
function secretFieldsOf(kind: ApisixKind): string[] {
  const own = [...KIND[kind].secretFields];
  if (kind === 'consumers') own.push(...own.map((f) => `/group${f}`));
  if (kind === 'routes' || kind === 'stream_routes') own.push('/upstream/tls/client_key');
  return own;
}

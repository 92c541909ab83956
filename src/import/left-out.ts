/**
 * Which of a gateway's objects an import leaves on the gateway, whole (docs/import.md, "What
 * stays on the gateway"): an object the repository cannot hold without changing what it does is
 * neither written nor taken over, and neither is an object that uses one. An object that one left
 * on the gateway uses (its service, upstream, plugin config, consumer group, client certificate) is kept there too:
 * written for the objects tagway takes, as tagway's own copy under another id, but not taken over,
 * so the object that stays goes on working as it does. Pure: data in, data out.
 */
import type { ApisixConfig, ApisixKind, ApisixObject, ObjectRef } from '../model/apisix.js';
import { KIND, type ResourceType } from '../apisix/kinds/index.js';
import { TRAFFIC_SPLIT_UPSTREAMS } from '../apisix/kinds/reference-rules.js';
import { describeObject, referencesOf } from '../apisix/references.js';
import { cmp } from '../model/diagnostic.js';
import { GROUP_OBJECT_FILES } from '../load/layout.js';
import type { Unexpressed } from './model.js';

/** Fields the server keeps: never written, never a reason to leave an object out. */
export const SERVER_FIELDS: ReadonlySet<string> = new Set(['create_time', 'update_time', 'validity_start', 'validity_end']);

/** The upstream fields a template's `upstream` holds as policy (the rest are runtime or named below). */
export const UPSTREAM_POLICY = ['type', 'hash_on', 'key', 'scheme', 'pass_host', 'upstream_host', 'retries', 'retry_timeout', 'timeout', 'keepalive_pool', 'checks', 'tls'] as const;

/**
 * The fields the repository holds, by kind. Any other field may change what the object does
 * (`filter_func`, `remote_addrs` and `script` on a route; a field of a newer APISIX tagway does
 * not know), so an object with one stays on the gateway; an upstream's `labels` alone is a
 * description, written without (`Unexpressed` with a field).
 */
export const WRITTEN_FIELDS: { readonly [K in ApisixKind]?: ReadonlySet<string> } = {
  upstreams: new Set<string>([...UPSTREAM_POLICY, 'id', 'name', 'desc', 'nodes', 'discovery_type', 'service_name', 'discovery_args', 'labels']),
  routes: new Set(['id', 'name', 'desc', 'uri', 'uris', 'methods', 'host', 'hosts', 'priority', 'vars', 'plugins', 'plugin_config_id', 'enable_websocket', 'timeout', 'labels', 'service_id', 'upstream_id', 'upstream', 'status']),
  // A service's `enable_websocket` is what its routes inherit: written on each route that has none.
  services: new Set(['id', 'name', 'desc', 'hosts', 'host', 'plugins', 'upstream_id', 'upstream', 'labels', 'enable_websocket']),
  stream_routes: new Set(['id', 'name', 'desc', 'server_addr', 'server_port', 'remote_addr', 'sni', 'plugins', 'labels', 'upstream_id', 'service_id']),
  plugin_configs: new Set(['id', 'name', 'desc', 'labels', 'plugins']),
  consumers: new Set(['id', 'username', 'desc', 'labels', 'plugins', 'group_id']),
  consumer_groups: new Set(['id', 'name', 'desc', 'labels', 'plugins']),
  ssls: new Set(['id', 'type', 'sni', 'snis', 'cert', 'key', 'certs', 'keys', 'client', 'ssl_protocols', 'desc', 'labels', 'status']),
  global_rules: new Set(['id', 'plugins']),
  secrets: new Set(['id', 'labels', 'uri', 'prefix', 'token', 'namespace', 'access_key_id', 'secret_access_key', 'session_token', 'region', 'endpoint_url', 'auth_config', 'auth_file', 'ssl_verify']),
};

export interface LeftOut {
  /** The config without the objects left on the gateway. */
  readonly config: ApisixConfig;
  /** One whole-object entry (no `field`) per object left on the gateway, saying why. */
  readonly left: readonly Unexpressed[];
}

type Json = Record<string, unknown>;

/**
 * What an object of `type` names by id: its kind's reference rules (src/apisix/kinds), as the
 * planner follows them, so an upstream's client certificate and traffic-split's upstreams count.
 */
function namesOf(type: ResourceType, obj: ApisixObject): readonly ObjectRef[] {
  return referencesOf(type, obj as unknown as Readonly<Record<string, unknown>>);
}

/**
 * Each kind without traffic-split's upstreams, which the import writes by the gateway's id (they
 * stay the gateway's): what uses an object left out through them is still written as it works.
 */
const WRITTEN_BY_NAME = new Map<ApisixKind, ResourceType>(
  (Object.keys(KIND) as ApisixKind[]).map((k) => [k, { ...KIND[k], references: KIND[k].references.filter((r) => r !== TRAFFIC_SPLIT_UPSTREAMS) }]),
);

/** The objects of `config` the import leaves on the gateway, whole, each with the reason. */
export function leaveOut(config: ApisixConfig): LeftOut {
  const reasons = new Map<string, string>();
  const key = (kind: ApisixKind, id: unknown) => `${kind}\u0000${String(id)}`;
  const isLeft = (kind: ApisixKind, id: unknown) => id !== undefined && reasons.has(key(kind, id));
  const leave = (kind: ApisixKind, id: string, reason: string): boolean => {
    if (reasons.has(key(kind, id))) return false;
    reasons.set(key(kind, id), reason);
    return true;
  };
  const list = (kind: ApisixKind) => config[kind] as readonly (ApisixObject & Json)[];

  const kinds = Object.keys(config).sort(cmp) as ApisixKind[];
  // What an object is on its own.
  for (const kind of kinds) {
    for (const obj of list(kind)) {
      const why = ownProblem(kind, obj, config);
      if (why !== null) leave(kind, obj.id, why);
    }
  }
  // What it uses: until nothing more is left out (a service's upstream, then the service's routes).
  for (let changed = true; changed; ) {
    changed = false;
    for (const kind of kinds) {
      for (const obj of list(kind)) {
        if (isLeft(kind, obj.id)) continue;
        const ref = namesOf(WRITTEN_BY_NAME.get(kind)!, obj).find((r) => isLeft(r.kind as ApisixKind, r.id));
        if (ref !== undefined) changed = leave(kind, obj.id, `it uses ${describeObject(ref.kind, ref.id)}, which stays on the gateway; it stays with it, as it is`) || changed;
      }
    }
  }

  const left: Unexpressed[] = [];
  const out: Record<string, ApisixObject[]> = {};
  for (const kind of Object.keys(config) as ApisixKind[]) {
    out[kind] = list(kind).filter((obj) => {
      const reason = reasons.get(key(kind, obj.id));
      if (reason !== undefined) left.push({ kind, id: obj.id, reason });
      return reason === undefined;
    });
  }

  const byObject = (a: Unexpressed, b: Unexpressed) => cmp(a.kind, b.kind) || cmp(a.id, b.id);
  return { config: out as unknown as ApisixConfig, left: left.sort(byObject) };
}

/**
 * The objects that objects staying on the gateway (`staying`: whole-object entries, whatever
 * left them there) use, directly or through each other: they stay too, for them, and are never
 * taken over (sync would retire what they use, or APISIX refuse to delete it).
 */
export function keptFor(config: ApisixConfig, staying: readonly Unexpressed[]): Unexpressed[] {
  const key = (kind: ApisixKind, id: unknown) => `${kind}\u0000${String(id)}`;
  const list = (kind: ApisixKind) => (config[kind] ?? []) as readonly (ApisixObject & Json)[];
  const left = new Set(staying.filter((e) => e.field === undefined).map((e) => key(e.kind as ApisixKind, e.id)));
  const exists = new Set((Object.keys(config) as ApisixKind[]).flatMap((kind) => list(kind).map((o) => key(kind, o.id))));
  const users = new Map<string, { kind: ApisixKind; id: string; by: Set<string> }>();
  const stays = (kind: ApisixKind, id: unknown) => left.has(key(kind, id)) || users.has(key(kind, id));
  const kinds = Object.keys(config).sort(cmp) as ApisixKind[];
  for (let changed = true; changed; ) {
    changed = false;
    for (const kind of kinds) {
      for (const obj of list(kind)) {
        if (!stays(kind, obj.id)) continue;
        for (const ref of namesOf(KIND[kind], obj)) {
          const k = key(ref.kind as ApisixKind, ref.id);
          if (left.has(k) || !exists.has(k)) continue;
          if (!users.has(k)) users.set(k, { kind: ref.kind as ApisixKind, id: ref.id, by: new Set() });
          const by = users.get(k)!.by;
          const user = describeObject(kind, obj.id);
          if (!by.has(user)) (by.add(user), (changed = true));
        }
      }
    }
  }
  return [...users.values()]
    .map(({ kind, id, by }): Unexpressed => ({
      kind,
      id,
      reason: `${[...by].sort(cmp).join(', ')} ${by.size === 1 ? 'stays' : 'stay'} on the gateway and ${by.size === 1 ? 'uses' : 'use'} it: it stays too (tagway writes its own copy and does not take this one over)`,
    }))
    .sort((a, b) => cmp(a.kind, b.kind) || cmp(a.id, b.id));
}

/** Why `obj` cannot be written whole as it works, or null. */
function ownProblem(kind: ApisixKind, obj: ApisixObject & Json, config: ApisixConfig): string | null {
  const written = WRITTEN_FIELDS[kind];
  const extra = written === undefined ? [] : Object.keys(obj).filter((f) => !written.has(f) && !SERVER_FIELDS.has(f)).sort(cmp);
  if (extra.length > 0) return `tagway's files have no place for its ${extra.join(', ')}, and without ${extra.length === 1 ? 'it' : 'them'} it would not do what it does; it stays on the gateway as it is`;
  if (kind === 'routes') {
    if (obj['status'] !== undefined && obj['status'] !== 1) return 'the route is disabled (status 0): tagway writes only routes that serve; it stays on the gateway as it is';
    const uris = (obj['uris'] as unknown[] | undefined) ?? (obj['uri'] !== undefined ? [obj['uri']] : undefined);
    if (uris === undefined || uris.length === 0) return 'it has no uri or uris, so it matches every path; a tagway route names its paths; it stays on the gateway as it is';
    if (uris.some((u) => typeof u !== 'string' || !u.startsWith('/'))) return 'a uri does not start with /, which a tagway route requires; it stays on the gateway as it is';
    const vars = obj['vars'];
    if (vars !== undefined && !(Array.isArray(vars) && vars.every(Array.isArray))) return 'its vars are an expression tagway cannot write (a tagway route\'s vars are a list of conditions); it stays on the gateway as it is';
    if (obj['plugin_config_id'] !== undefined && !config.plugin_configs.some((pc) => pc.id === String(obj['plugin_config_id']))) {
      return `its plugin_config_id ${String(obj['plugin_config_id'])} names no plugin config of the gateway; it stays on the gateway as it is`;
    }
  }
  if (kind === 'consumers' && !GROUP_OBJECT_FILES.consumer.name.test(String(obj['username'] ?? obj.id))) {
    return `its username is not a valid file name (${GROUP_OBJECT_FILES.consumer.nameRule}); it stays on the gateway as it is`;
  }
  if (kind === 'plugin_metadata' && !GROUP_OBJECT_FILES['plugin-metadata'].name.test(obj.id)) return 'its id is not a plugin name; it stays on the gateway as it is';
  if (kind === 'secrets' && !GROUP_OBJECT_FILES['secret-manager'].name.test(obj.id)) {
    return 'its id is not <vault|aws|gcp>/<name> with a name tagway can use as a file name; it stays on the gateway as it is';
  }
  if (kind === 'consumers' && obj['group_id'] !== undefined && !config.consumer_groups.some((g) => g.id === String(obj['group_id']))) {
    return `its group_id ${String(obj['group_id'])} names no consumer group of the gateway; it stays on the gateway as it is`;
  }
  const upstream = kind === 'upstreams' ? obj : kind === 'routes' || kind === 'services' ? (obj['upstream'] as Json | undefined) : undefined;
  if (upstream !== undefined && typeof upstream === 'object' && upstream !== null) {
    const where = kind === 'upstreams' ? 'it' : 'its inline upstream';
    if (kind !== 'upstreams') {
      const extraUp = Object.keys(upstream).filter((f) => !WRITTEN_FIELDS.upstreams!.has(f) && !SERVER_FIELDS.has(f)).sort(cmp);
      if (extraUp.length > 0) return `tagway's files have no place for the ${extraUp.join(', ')} of its inline upstream; it stays on the gateway as it is`;
    }
    const tls = upstream['tls'] as Json | undefined;
    const certId = typeof tls === 'object' && tls !== null ? tls['client_cert_id'] : undefined;
    if (certId !== undefined && !config.ssls.some((ssl) => ssl.id === String(certId))) {
      return `${where === 'it' ? 'its' : `${where}'s`} tls.client_cert_id ${String(certId)} names no SSL of the gateway; it stays on the gateway as it is`;
    }
    const problem = upstream['discovery_type'] !== undefined ? null : nodesProblem(upstream['nodes']);
    if (problem !== null) return `${where}: ${problem}; it stays on the gateway as it is`;
  }
  return null;
}

/** What keeps an upstream's nodes from being written as they work, or null. */
export function nodesProblem(nodes: unknown): string | null {
  const list = Array.isArray(nodes) ? (nodes as unknown[]) : typeof nodes === 'object' && nodes !== null ? Object.keys(nodes) : [];
  if (list.length === 0) return 'the upstream has no nodes (a tagway service\'s upstream has nodes or discovery)';
  for (const n of list) {
    if (typeof n === 'string') {
      if (!/^(.*):(\d+)$/.test(n)) return `node ${n} has no port (tagway names every node's port)`;
      continue;
    }
    if (typeof n !== 'object' || n === null) return 'a node is not an object';
    const node = n as Json;
    if (typeof node['port'] !== 'number') return `node ${String(node['host'])} has no port (tagway names every node's port)`;
    if (node['metadata'] !== undefined) return 'node metadata has no place in tagway\'s nodes';
  }
  return null;
}

/**
 * `validateApisixObject(kind, body, options)`: would the APISIX Admin API (v3, APISIX 3.x) accept
 * this body of one of its twelve resource kinds on a PUT (or, `options.method`, a POST)?
 *
 * It runs what the Admin API runs before writing to etcd, in this order of sources:
 * apisix/admin/init.lua and resource.lua (method, proxy mode, ids, properties only the Admin API
 * sets; admin/resource.ts), the kind's schema of apisix/schema_def.lua and its `check_conf` in
 * apisix/admin/<kind>.lua (checks.ts for routes, services and upstreams, admin/ for the others),
 * and each plugin's schema and `check_schema` (plugin-checks.ts). APISIX's schemas come from its
 * schemas file (apisix-schemas.ts), read as its own validator reads them (lua-schema.ts). It does
 * not see the gateway, so references to other objects, keys held by other consumers and plugins
 * already run by another global rule are left to the gateway.
 *
 * `options.id` is the id of the request path: for plugin metadata the plugin's name, for a
 * secret `<manager>/<id>`, for a consumer its username, for a credential its id under the
 * consumer. Without it the body's own id stands for the path's (as when the caller PUTs to the
 * body's id). Where APISIX stops at the first error, this reports every error it finds, sorted by
 * pointer then message (code point order).
 *
 * Contract: never throws, never mutates `body`, compiles each schema once per process and only
 * when a body needs it.
 */

import { BUNDLED_PLUGINS } from './bundled-plugins.js';
import { checkRoute, checkService, checkUpstreamObject, isObject } from './checks.js';
import type { Report } from './report.js';
import { schemaIssues } from './schema-errors.js';
import { apisixSchemaValidators } from './schema.js';
import { checkRequest, REFUSED, type ResourceRules } from './admin/resource.js';
import { checkConsumer } from './admin/consumers.js';
import { checkCredential } from './admin/credentials.js';
import { checkSsl } from './admin/ssl.js';
import { checkPluginSet } from './admin/plugin-sets.js';
import { checkPluginMetadata } from './admin/plugin-metadata.js';
import { checkStreamRoute } from './admin/stream-routes.js';
import { checkSecret } from './admin/secrets.js';

export { BUNDLED_PLUGINS, BUNDLED_PLUGIN_NAMES } from './bundled-plugins.js';
export { CHECKED_PLUGINS, CODE_CHECKED_PLUGINS } from './plugin-checks.js';
export { metadataSchemaOf } from './admin/plugin-metadata.js';

/**
 * Loads APISIX's validators of routes, services and upstreams now rather than at first use (a
 * caller waiting for git); a plugin's or another kind's are loaded when it is first checked.
 */
export function loadApisixValidators(): void {
  apisixSchemaValidators();
}

/** The kinds of APISIX's Admin API, by the singular name of their objects. */
export const APISIX_OBJECT_KINDS = [
  'route', 'service', 'upstream', 'consumer', 'credential', 'ssl', 'global_rule', 'plugin_config',
  'consumer_group', 'plugin_metadata', 'stream_route', 'secret',
] as const;

export type ApisixObjectKind = (typeof APISIX_OBJECT_KINDS)[number];

/** The same kinds by their Admin API path (`/apisix/admin/<path>`). */
export type ApisixAdminPath =
  | 'routes' | 'services' | 'upstreams' | 'consumers' | 'credentials' | 'ssls' | 'global_rules'
  | 'plugin_configs' | 'consumer_groups' | 'plugin_metadata' | 'stream_routes' | 'secrets';

export interface ApisixObjectError {
  /** JSON pointer into `body`; '' for the body itself. */
  readonly pointer: string;
  readonly message: string;
}

export interface ApisixValidation {
  /** Whether the Admin API accepts the body: no errors. */
  readonly valid: boolean;
  readonly errors: readonly ApisixObjectError[];
  /** What APISIX accepts but the gateway will fail on (a certificate and a key that do not match). */
  readonly warnings: readonly ApisixObjectError[];
}

export interface ApisixValidateOptions {
  /** Plugin names accepted (config.yaml `plugins`); default BUNDLED_PLUGINS. */
  readonly plugins?: ReadonlySet<string>;
  /** Stream plugin names accepted (config.yaml `stream_plugins`); default APISIX's five. */
  readonly streamPlugins?: ReadonlySet<string>;
  /** The id of the request path (see above). */
  readonly id?: string;
  /** config.yaml `apisix.proxy_mode`; default "http", which refuses stream routes. */
  readonly proxyMode?: 'http' | 'stream' | 'http&stream';
  /** The request's method; default PUT. */
  readonly method?: 'PUT' | 'POST';
}

/** config.yaml's default `stream_plugins` (apisix/cli/config.lua). */
export const DEFAULT_STREAM_PLUGINS: ReadonlySet<string> = new Set(['ip-restriction', 'limit-conn', 'mqtt-proxy', 'syslog', 'traffic-split']);

interface KindFacts extends ResourceRules {
  readonly path: ApisixAdminPath;
}

const KINDS: Readonly<Record<ApisixObjectKind, KindFacts>> = {
  route: { path: 'routes', kind: 'route', noPost: false, noId: false },
  service: { path: 'services', kind: 'service', noPost: false, noId: false },
  upstream: { path: 'upstreams', kind: 'upstream', noPost: false, noId: false },
  consumer: { path: 'consumers', kind: 'consumer', noPost: true, noId: true },
  credential: { path: 'credentials', kind: 'credential', noPost: true, noId: false },
  ssl: { path: 'ssls', kind: 'ssl', noPost: false, noId: false },
  global_rule: { path: 'global_rules', kind: 'global rule', noPost: true, noId: false },
  plugin_config: { path: 'plugin_configs', kind: 'plugin config', noPost: true, noId: false },
  consumer_group: { path: 'consumer_groups', kind: 'consumer group', noPost: true, noId: false },
  plugin_metadata: { path: 'plugin_metadata', kind: 'plugin_metadata', noPost: true, noId: true },
  stream_route: { path: 'stream_routes', kind: 'stream route', noPost: false, noId: false },
  secret: { path: 'secrets', kind: 'secret', noPost: true, noId: false },
};

const BY_PATH: ReadonlyMap<string, ApisixObjectKind> = new Map(
  APISIX_OBJECT_KINDS.map((kind) => [KINDS[kind].path, kind] as const),
);

/** The kind a name or an Admin API path stands for, or undefined. */
export function apisixObjectKind(name: string): ApisixObjectKind | undefined {
  return Object.hasOwn(KINDS, name) ? (name as ApisixObjectKind) : BY_PATH.get(name);
}

export function validateApisixObject(
  kind: ApisixObjectKind | ApisixAdminPath,
  body: unknown,
  options?: ApisixValidateOptions,
): ApisixValidation {
  const errors: ApisixObjectError[] = [];
  const warnings: ApisixObjectError[] = [];
  const report: Report = (pointer, message, severity) => {
    (severity === 'warning' ? warnings : errors).push({ pointer, message });
  };
  try {
    collectErrors(kind, body, options ?? {}, report);
  } catch (e) {
    // Only hostile inputs get here (cyclic values, throwing getters, proxies).
    report('', `cannot validate this value: ${e instanceof Error ? e.message : String(e)}`);
  }
  return { valid: errors.length === 0, errors: sortUnique(errors), warnings: sortUnique(warnings) };
}

function collectErrors(name: string, body: unknown, options: ApisixValidateOptions, report: Report): void {
  const kind = apisixObjectKind(name);
  if (!kind) {
    report('', `unknown APISIX object kind "${String(name)}": expected one of ${APISIX_OBJECT_KINDS.join(', ')}`);
    return;
  }
  if (kind === 'stream_route' && options.proxyMode !== 'stream' && options.proxyMode !== 'http&stream') {
    report('', 'stream mode is disabled, can not add stream routes: the gateway\'s proxy_mode must be "stream" or "http&stream"');
    return;
  }
  const method = options.method ?? 'PUT';
  const plugins = options.plugins ?? BUNDLED_PLUGINS;
  // A secret's path is <manager>/<id>: the manager picks the schema, the whole is its id.
  const slash = options.id?.indexOf('/') ?? -1;
  const manager = kind === 'secret' && options.id !== undefined ? (slash < 0 ? options.id : options.id.slice(0, slash)) : undefined;
  const conf = checkRequest(KINDS[kind], body, { method, id: kind === 'secret' && slash < 0 ? undefined : options.id }, report);
  if (conf === REFUSED) return;
  switch (kind) {
    case 'route':
    case 'service':
    case 'upstream':
      checkCoreObject(kind, conf, plugins, report);
      break;
    case 'consumer':
      checkConsumer(conf, options.id, plugins, report);
      break;
    case 'credential':
      checkCredential(conf, plugins, report);
      break;
    case 'ssl':
      checkSsl(conf, report);
      break;
    case 'global_rule':
    case 'plugin_config':
    case 'consumer_group':
      checkPluginSet(kind, conf, plugins, report);
      break;
    case 'plugin_metadata':
      checkPluginMetadata(conf, options.id, report);
      break;
    case 'stream_route':
      checkStreamRoute(conf, options.streamPlugins ?? DEFAULT_STREAM_PLUGINS, report);
      break;
    case 'secret':
      checkSecret(conf, manager, report);
      break;
  }
}

/** Routes, services and upstreams: schema.ts's schemas, then checks.ts. */
function checkCoreObject(kind: 'route' | 'service' | 'upstream', body: unknown, plugins: ReadonlySet<string>, report: Report): void {
  const validate = apisixSchemaValidators()[kind];
  if (!validate(body)) {
    for (const issue of schemaIssues(validate.errors ?? [], body)) report(issue.pointer, issue.message);
  }
  if (!isObject(body)) return;
  if (kind === 'route') checkRoute(body, plugins, report);
  else if (kind === 'service') checkService(body, plugins, report);
  else checkUpstreamObject(body, report);
}

function sortUnique(errors: readonly ApisixObjectError[]): readonly ApisixObjectError[] {
  if (errors.length === 0) return NONE;
  const seen = new Set<string>();
  const unique: ApisixObjectError[] = [];
  for (const e of errors) {
    const key = `${e.pointer}\u0000${e.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    unique.push(e);
  }
  return unique.sort((a, b) => compare(a.pointer, b.pointer) || compare(a.message, b.message));
}

const NONE: readonly ApisixObjectError[] = Object.freeze([]);

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

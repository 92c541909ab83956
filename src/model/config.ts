/**
 * Typed views of the three file kinds after they passed their JSON Schema (schemas/*.json is the
 * source of truth; test/schema-types.test.ts checks these key lists against the schemas).
 */
export interface NodeSpec {
  readonly host: string;
  readonly port: number;
  readonly weight?: number;
  readonly priority?: number;
}

export interface DiscoverySpec {
  readonly type: string;
  readonly service_name: string;
  readonly args?: Readonly<Record<string, unknown>>;
}

export interface TimeoutSpec {
  readonly connect: number;
  readonly send: number;
  readonly read: number;
}

export type Plugins = Readonly<Record<string, Readonly<Record<string, unknown>>>>;

export interface UpstreamSpec {
  readonly type?: 'roundrobin' | 'chash' | 'ewma' | 'least_conn';
  readonly hash_on?: 'vars' | 'header' | 'cookie' | 'consumer' | 'vars_combinations';
  readonly key?: string;
  readonly scheme?: 'http' | 'https' | 'grpc' | 'grpcs';
  readonly pass_host?: 'pass' | 'node' | 'rewrite';
  readonly upstream_host?: string;
  readonly retries?: number;
  readonly retry_timeout?: number;
  readonly timeout?: TimeoutSpec;
  readonly keepalive_pool?: Readonly<Record<string, number>>;
  readonly checks?: Readonly<Record<string, unknown>>;
  readonly tls?: Readonly<Record<string, unknown>>;
  readonly nodes?: readonly NodeSpec[];
  readonly discovery?: DiscoverySpec;
}

export interface RouteSpec {
  readonly name: string;
  readonly description?: string;
  readonly uris: readonly string[];
  readonly methods?: readonly string[];
  readonly hosts?: readonly string[];
  readonly priority?: number;
  readonly vars?: readonly unknown[];
  readonly plugins?: Plugins;
  /** A key of the service's `plugin_configs`: the route gets `plugin_config_id` `<service>.<name>`. */
  readonly plugin_config?: string;
  readonly enable_websocket?: boolean;
  readonly timeout?: TimeoutSpec;
  readonly labels?: Readonly<Record<string, string>>;
}

/** One of a template's `stream_routes`: an APISIX stream route (L4) to the service's upstream. */
export interface StreamRouteSpec {
  readonly name: string;
  readonly description?: string;
  readonly server_addr?: string;
  readonly server_port?: number;
  readonly remote_addr?: string;
  readonly sni?: string;
  readonly plugins?: Plugins;
  readonly labels?: Readonly<Record<string, string>>;
}

/** One of a template's `plugin_configs`: an APISIX plugin config its routes use by name. */
export interface PluginConfigSpec {
  readonly desc?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly plugins: Plugins;
}

/** `services/<name>/service.yaml` */
export interface ServiceTemplate {
  readonly name: string;
  readonly description?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly hosts?: readonly string[];
  readonly path_prefix?: string;
  readonly strip_path_prefix?: boolean;
  readonly plugins?: Plugins;
  readonly upstream?: UpstreamSpec;
  /** By name (a key is a `name`, like a route's). */
  readonly plugin_configs?: Readonly<Record<string, PluginConfigSpec>>;
  readonly routes: readonly RouteSpec[];
  /** L4 routes; the gateways need stream in their `proxy_mode`. */
  readonly stream_routes?: readonly StreamRouteSpec[];
}

export interface CanarySpec {
  readonly weight?: number;
  readonly match?: readonly (readonly unknown[])[];
  readonly nodes?: readonly NodeSpec[];
  readonly discovery?: DiscoverySpec;
  /** A progressive canary's weights, ascending (`tagway rollout`, docs/health-checks.md). */
  readonly steps?: readonly number[];
  /** Seconds `tagway rollout` waits at each step after its checks pass. Default 0. */
  readonly pause?: number;
}

/** `gateway-groups/<group>/services/<service>.yaml` */
export interface RuntimeOverlay {
  readonly hosts?: readonly string[];
  readonly path_prefix?: string;
  readonly strip_path_prefix?: boolean;
  readonly upstream?: { readonly nodes?: readonly NodeSpec[]; readonly discovery?: DiscoverySpec };
  readonly canary?: CanarySpec;
}

/** `gateway-groups/<group>/group.yaml` */
export interface GroupSpec {
  readonly name: string;
  readonly description?: string;
  readonly published?: Readonly<Record<string, string>>;
  /**
   * Shared group-level files the group holds as its own, as `<folder>/<name>`
   * (`consumers/petstore-mobile` is gateway-groups/_shared/consumers/petstore-mobile.yaml).
   */
  readonly include?: readonly string[];
  /** Integrity records written by publish/promote/rollback (see src/core/pin-locks.ts). */
  readonly locks?: Readonly<Record<string, { readonly version: string; readonly object: string }>>;
  readonly targets?: readonly import('./target.js').TargetSpec[];
  readonly rollout?: { readonly batch_size?: number; readonly restore_on_check_failure?: 'batch' | 'all' };
  /** Health checks run through each target's data plane after its batch (docs/health-checks.md). */
  readonly checks?: import('./target.js').ChecksSpec;
}

/** `tagway.yaml` (optional) */
export interface RepoConfig {
  readonly plugins?: readonly string[];
  /** What a literal in a consumer's secret field is (docs/secrets.md): an error (default) or a warning. */
  readonly literal_secrets?: 'error' | 'warn';
  /** Public keys whose signatures a snapshot file must carry (docs/signing.md). */
  readonly trusted_keys?: readonly TrustedKeySpec[];
  /** How the SSL files' certificates are checked (docs/config.md). */
  readonly certificates?: { readonly expiry_warning_days?: number };
}

/** `gateway-groups/<group>/consumers/<username>.yaml`: one APISIX consumer of the group. */
export interface ConsumerSpec {
  /** Equal to the file name. */
  readonly username?: string;
  readonly desc?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly plugins?: Plugins;
  /** A consumer group of the same gateway group (APISIX `group_id`). */
  readonly group?: string;
}

/** `gateway-groups/<group>/consumer-groups/<name>.yaml`: one APISIX consumer group of the group. */
export interface ConsumerGroupSpec {
  readonly desc?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly plugins?: Plugins;
}

/**
 * `gateway-groups/<group>/ssls/<name>.yaml`: one APISIX SSL certificate of the group, its id the
 * file name. Certificates (`cert`, `certs`, `client.ca`) are literal PEM or references; private
 * keys (`key`, `keys`) are references only (docs/secrets.md).
 */
export interface SslSpec {
  /** `server` (default): presented to clients for `snis`; `client`: presented to upstreams (`tls.client_cert_id`). */
  readonly type?: 'server' | 'client';
  readonly sni?: string;
  readonly snis?: readonly string[];
  readonly cert: string;
  readonly key: string;
  /** More certificates for the same SNIs (e.g. RSA and ECDSA), each with its key in `keys`. */
  readonly certs?: readonly string[];
  readonly keys?: readonly string[];
  /** mTLS: the CA that client certificates must chain to. */
  readonly client?: { readonly ca: string; readonly depth?: number; readonly skip_mtls_uri_regex?: readonly string[] };
  readonly ssl_protocols?: readonly ('TLSv1.1' | 'TLSv1.2' | 'TLSv1.3')[];
  readonly desc?: string;
  readonly labels?: Readonly<Record<string, string>>;
  /** 1 (default) enabled, 0 disabled. */
  readonly status?: 0 | 1;
}

/**
 * `gateway-groups/<group>/global-rules/<name>.yaml`: one APISIX global rule of the group, its id
 * `tagway.<group>.<name>` (APISIX's global rule has only `id` and `plugins`).
 */
export interface GlobalRuleSpec {
  readonly plugins: Plugins;
}

/**
 * `gateway-groups/<group>/plugin-metadata/<plugin>.yaml`: the metadata of one plugin on the
 * group's gateways, as the plugin's `metadata_schema` says (any fields; APISIX checks them).
 */
export type PluginMetadataSpec = Readonly<Record<string, unknown>>;

/**
 * `gateway-groups/<group>/secrets/<manager>/<id>.yaml`: one APISIX secret manager of the group,
 * whose id is `<manager>/<id>`. The fields of the three managers (`apisix/secret/<manager>.lua`);
 * which apply is the manager's: vault `uri`, `prefix`, `token`, `namespace`; aws `access_key_id`,
 * `secret_access_key`, `session_token`, `region`, `endpoint_url`; gcp `auth_config` or `auth_file`,
 * `ssl_verify`.
 */
export interface SecretManagerSpec {
  readonly labels?: Readonly<Record<string, string>>;
  readonly uri?: string;
  readonly prefix?: string;
  readonly token?: string;
  readonly namespace?: string;
  readonly access_key_id?: string;
  readonly secret_access_key?: string;
  readonly session_token?: string;
  readonly region?: string;
  readonly endpoint_url?: string;
  readonly auth_config?: {
    readonly client_email: string;
    readonly private_key: string;
    readonly project_id: string;
    readonly token_uri?: string;
    readonly entries_uri?: string;
    readonly scope?: readonly string[];
  };
  readonly auth_file?: string;
  readonly ssl_verify?: boolean;
}

/**
 * The files of a gateway group that hold one APISIX object each
 * (`gateway-groups/<group>/<folder>/<name>.yaml`, src/load/layout.ts `GROUP_OBJECT_FILES`), by
 * file kind: the spec each file holds. A new group-level kind is an entry here, a row of that
 * table, a schema and an emitter (src/compile/emit-group-objects.ts).
 */
export interface GroupObjectSpecs {
  readonly consumer: ConsumerSpec;
  readonly 'consumer-group': ConsumerGroupSpec;
  readonly ssl: SslSpec;
  readonly 'global-rule': GlobalRuleSpec;
  readonly 'plugin-metadata': PluginMetadataSpec;
  readonly 'secret-manager': SecretManagerSpec;
}
export type GroupObjectKind = keyof GroupObjectSpecs;

/** One entry of `trusted_keys` in tagway.yaml. */
export interface TrustedKeySpec {
  /** The key's id, as a check that `key` is the one meant. */
  readonly id?: string;
  /** PEM SPKI or base64 of the 32-byte ed25519 public key. */
  readonly key: string;
}

/** Keys of each file kind, checked against the schemas by a test. */
export const TEMPLATE_KEYS = [
  'name', 'description', 'labels', 'hosts', 'path_prefix', 'strip_path_prefix', 'plugins', 'upstream', 'plugin_configs', 'routes', 'stream_routes',
] as const satisfies readonly (keyof ServiceTemplate)[];
export const STREAM_ROUTE_KEYS = [
  'name', 'description', 'server_addr', 'server_port', 'remote_addr', 'sni', 'plugins', 'labels',
] as const satisfies readonly (keyof StreamRouteSpec)[];
export const PLUGIN_CONFIG_KEYS = ['desc', 'labels', 'plugins'] as const satisfies readonly (keyof PluginConfigSpec)[];
export const UPSTREAM_KEYS = [
  'type', 'hash_on', 'key', 'scheme', 'pass_host', 'upstream_host', 'retries', 'retry_timeout', 'timeout',
  'keepalive_pool', 'checks', 'tls', 'nodes', 'discovery',
] as const satisfies readonly (keyof UpstreamSpec)[];
export const ROUTE_KEYS = [
  'name', 'description', 'uris', 'methods', 'hosts', 'priority', 'vars', 'plugins', 'plugin_config', 'enable_websocket', 'timeout', 'labels',
] as const satisfies readonly (keyof RouteSpec)[];
export const OVERLAY_KEYS = ['hosts', 'path_prefix', 'strip_path_prefix', 'upstream', 'canary'] as const satisfies readonly (keyof RuntimeOverlay)[];
export const OVERLAY_UPSTREAM_KEYS = ['nodes', 'discovery'] as const;
export const GROUP_KEYS = ['name', 'description', 'published', 'include', 'locks', 'targets', 'rollout', 'checks'] as const satisfies readonly (keyof GroupSpec)[];
export const CONFIG_KEYS = ['plugins', 'literal_secrets', 'trusted_keys', 'certificates'] as const satisfies readonly (keyof RepoConfig)[];
export const CONSUMER_KEYS = ['username', 'desc', 'labels', 'plugins', 'group'] as const satisfies readonly (keyof ConsumerSpec)[];
export const CONSUMER_GROUP_KEYS = ['desc', 'labels', 'plugins'] as const satisfies readonly (keyof ConsumerGroupSpec)[];
export const SSL_KEYS = ['type', 'sni', 'snis', 'cert', 'key', 'certs', 'keys', 'client', 'ssl_protocols', 'desc', 'labels', 'status'] as const satisfies readonly (keyof SslSpec)[];
export const GLOBAL_RULE_KEYS = ['plugins'] as const satisfies readonly (keyof GlobalRuleSpec)[];
export const SECRET_MANAGER_KEYS = [
  'labels', 'uri', 'prefix', 'token', 'namespace', 'access_key_id', 'secret_access_key', 'session_token', 'region', 'endpoint_url',
  'auth_config', 'auth_file', 'ssl_verify',
] as const satisfies readonly (keyof SecretManagerSpec)[];
export const TRUSTED_KEY_KEYS = ['id', 'key'] as const satisfies readonly (keyof TrustedKeySpec)[];

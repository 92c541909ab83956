/**
 * The gateway-facing objects tagway emits: APISIX Admin API v3 bodies with their `id`.
 * Only the fields tagway sets are typed; everything else APISIX accepts may pass through
 * `Record<string, unknown>` (plugins, checks, tls, vars).
 *
 * Which kinds there are, and everything the stages know about each, is src/apisix/kinds: this
 * file holds only their data types.
 */

/** Labels every tagway object carries; `managed-by` + `tagway.group` mark ownership. */
export const LABEL_MANAGED_BY = 'managed-by';
export const LABEL_MANAGED_BY_VALUE = 'tagway';
export const LABEL_GROUP = 'tagway.group';
export const LABEL_SERVICE = 'tagway.service';
export const LABEL_VERSION = 'tagway.version';
/**
 * On an APISIX service whose canary is progressive: its steps (`5,25,50,100`) and pause in
 * seconds (`tagway.canary-pause`), emitted by compile. `tagway.canary-weight` is written by
 * `tagway rollout` alone: the weight the rollout reached, which is runtime state, not drift
 * (src/apisix/canary.ts).
 */
export const LABEL_CANARY_STEPS = 'tagway.canary-steps';
export const LABEL_CANARY_PAUSE = 'tagway.canary-pause';
export const LABEL_CANARY_WEIGHT = 'tagway.canary-weight';
/** Emitted with the steps: a short hash of the canary (its upstream, steps and match), so a rollout's weight is kept only for the canary it moved. */
export const LABEL_CANARY_ID = 'tagway.canary-id';
/**
 * Marks a run's lease object (docs/concurrent-runs.md): the value is the group it serialises. A
 * lease object is never the group's to plan, diff, count as drift or delete (`isOwnedBy`).
 */
export const LABEL_LEASE = 'tagway.lease';
/** The lease's time to live in seconds, so a run waiting for it judges its expiry by the holder's own terms. */
export const LABEL_LEASE_TTL = 'tagway.lease-ttl';
/**
 * Marks the record of a run still writing an Admin API target (src/sync/targets/apisix/unfinished.ts):
 * the value is the group; `tagway.unfinished-digest` the snapshot the run was taking there.
 */
export const LABEL_UNFINISHED = 'tagway.unfinished';
/**
 * Marks the record of a group's last health checks on an Admin API target
 * (src/sync/targets/apisix/checks-record.ts): the value is the group; `tagway.checks-digest` the
 * snapshot checked, `tagway.checks-result` `passed` or `failed`.
 */
export const LABEL_CHECKS = 'tagway.checks';
export const LABEL_CHECKS_DIGEST = 'tagway.checks-digest';
export const LABEL_CHECKS_RESULT = 'tagway.checks-result';
export const LABEL_UNFINISHED_DIGEST = 'tagway.unfinished-digest';
/**
 * The host and process of the run holding a lease: a run on the same host finds a lease whose
 * process is gone (Ctrl-C twice, `kill -9`) abandoned at once, without waiting for its ttl.
 */
export const LABEL_LEASE_HOST = 'tagway.lease-host';
export const LABEL_LEASE_PID = 'tagway.lease-pid';

export type Labels = Readonly<Record<string, string>>;

export interface UpstreamNode {
  readonly host: string;
  readonly port: number;
  readonly weight: number;
  readonly priority?: number;
}

export interface ApisixObjectBase {
  readonly id: string;
  readonly name?: string;
  readonly desc?: string;
  readonly labels?: Labels;
  readonly [field: string]: unknown;
}

export interface ApisixUpstream extends ApisixObjectBase {
  readonly type?: string;
  readonly nodes?: readonly UpstreamNode[];
  readonly discovery_type?: string;
  readonly service_name?: string;
  readonly discovery_args?: Readonly<Record<string, unknown>>;
}

export interface ApisixService extends ApisixObjectBase {
  readonly upstream_id?: string;
  readonly hosts?: readonly string[];
  readonly plugins?: Readonly<Record<string, unknown>>;
}

export interface ApisixRoute extends ApisixObjectBase {
  readonly uris?: readonly string[];
  readonly methods?: readonly string[];
  readonly hosts?: readonly string[];
  readonly service_id?: string;
  readonly plugin_config_id?: string;
  readonly plugins?: Readonly<Record<string, unknown>>;
}

/** A plugin config (`/apisix/admin/plugin_configs`): plugins routes share by `plugin_config_id`. */
export interface ApisixPluginConfig extends ApisixObjectBase {
  readonly plugins?: Readonly<Record<string, unknown>>;
}

/** A consumer group (`/apisix/admin/consumer_groups`): plugins its consumers share. */
export interface ApisixConsumerGroup extends ApisixObjectBase {
  readonly plugins?: Readonly<Record<string, unknown>>;
}

/**
 * A consumer (`/apisix/admin/consumers`), keyed by `username`: tagway's `id` is a copy of it,
 * left out of the bodies sent. Its auth plugins hold its credentials.
 */
export interface ApisixConsumer extends ApisixObjectBase {
  readonly username?: string;
  readonly group_id?: string;
  readonly plugins?: Readonly<Record<string, unknown>>;
}

/** A stream route (`/apisix/admin/stream_routes`): L4 proxying to an upstream. */
export interface ApisixStreamRoute extends ApisixObjectBase {
  readonly server_addr?: string;
  readonly server_port?: number;
  readonly remote_addr?: string;
  readonly sni?: string;
  readonly upstream_id?: string;
  readonly service_id?: string;
  readonly plugins?: Readonly<Record<string, unknown>>;
}

/**
 * A global rule (`/apisix/admin/global_rules`): plugins run on every request of the gateway.
 * APISIX's schema has only `id` and `plugins`: no labels, so ownership is in the id.
 */
export interface ApisixGlobalRule extends ApisixObjectBase {
  readonly plugins?: Readonly<Record<string, unknown>>;
}

/**
 * A plugin's metadata (`/apisix/admin/plugin_metadata/<plugin>`): settings the plugin shares across
 * every route, keyed by the plugin's name (the `id`); the rest is the plugin's `metadata_schema`.
 */
export type ApisixPluginMetadata = ApisixObjectBase;

/**
 * A secret manager (`/apisix/admin/secrets/<manager>/<id>`: `vault`, `aws`, `gcp`), where the
 * gateway looks up `$secret://<manager>/<id>/…` references. Its `id` is `<manager>/<id>`; the
 * fields are the manager's (`apisix/secret/<manager>.lua`).
 */
export interface ApisixSecret extends ApisixObjectBase {
  readonly uri?: string;
  readonly token?: string;
}

/**
 * An SSL certificate (`/apisix/admin/ssls`): a server certificate the gateway presents for its
 * `snis` (or `sni`), or a client certificate an upstream presents (`type: client`, referred to by
 * an upstream's `tls.client_cert_id`). `key` and `keys` hold private keys.
 */
export interface ApisixSsl extends ApisixObjectBase {
  /** `server` (the default) or `client`. */
  readonly type?: string;
  readonly sni?: string;
  readonly snis?: readonly string[];
  readonly cert?: string;
  readonly key?: string;
  readonly certs?: readonly string[];
  readonly keys?: readonly string[];
}

/**
 * Each kind's object type, by the kind's name: one entry per module of src/apisix/kinds (its
 * registry is checked against this map, so the two cannot drift apart).
 */
export interface ApisixObjects {
  readonly upstreams: ApisixUpstream;
  readonly services: ApisixService;
  readonly routes: ApisixRoute;
  readonly consumer_groups: ApisixConsumerGroup;
  readonly consumers: ApisixConsumer;
  readonly ssls: ApisixSsl;
  readonly global_rules: ApisixGlobalRule;
  readonly plugin_metadata: ApisixPluginMetadata;
  readonly plugin_configs: ApisixPluginConfig;
  readonly stream_routes: ApisixStreamRoute;
  readonly secrets: ApisixSecret;
}

/** The name of a kind: its Admin API resource and its key in a configuration and a snapshot. */
export type ApisixKind = keyof ApisixObjects;

export type ApisixObject = ApisixObjects[ApisixKind];

/** What a gateway holds (or should hold): each kind's objects, sorted by id. */
export type ApisixConfig = { readonly [K in ApisixKind]: readonly ApisixObjects[K][] };

/** An object named by kind and id (what another object refers to, what blocks a sync). */
export interface ObjectRef {
  readonly kind: ApisixKind;
  readonly id: string;
}

/**
 * What ADC writes on a gateway besides the objects' own fields, and how its files refer to its
 * environment: shared by the reader and the writer of ADC files.
 */

/** The label ADC's backend keeps a consumer group's name in (its id is the SHA-1 of that name). */
export const ADC_NAME_LABEL = 'ADC_NAME';
/** The label holding a stream route's name (APISIX's stream routes have no `name` field). */
export const ADC_STREAM_ROUTE_NAME_LABEL = '__ADC_NAME';
/** The label naming the service an upstream of a service's `upstreams` list belongs to (by id). */
export const ADC_UPSTREAM_SERVICE_LABEL = '__ADC_UPSTREAM_SERVICE_ID';

/** `${NAME}` in a value of an ADC file: ADC puts the environment variable's value there when it loads the file. */
export const ENV_REFERENCE = /(?<!\\)\$\{(\w+)\}/g;
/** `\${NAME}`: ADC's escape for the text `${NAME}` itself. */
export const ESCAPED_ENV_REFERENCE = /\\\$\{(\w+)\}/g;

/** The fields of each ADC object, by the object (ADC's `schema.ts`); ADC refuses any other. */
export const ADC_FIELDS = {
  root: ['consumer_groups', 'consumers', 'global_rules', 'plugin_metadata', 'services', 'ssls'],
  service: ['description', 'hosts', 'id', 'labels', 'name', 'path_prefix', 'plugins', 'routes', 'stream_routes', 'strip_path_prefix', 'upstream', 'upstreams'],
  upstream: [
    'checks', 'description', 'discovery_args', 'discovery_type', 'hash_on', 'keepalive_pool', 'key', 'labels', 'name', 'nodes',
    'pass_host', 'retries', 'retry_timeout', 'scheme', 'service_name', 'timeout', 'tls', 'type', 'upstream_host',
  ],
  route: ['description', 'enable_websocket', 'filter_func', 'hosts', 'id', 'labels', 'methods', 'name', 'plugins', 'priority', 'remote_addrs', 'timeout', 'uris', 'vars'],
  stream_route: ['description', 'id', 'labels', 'name', 'plugins', 'remote_addr', 'server_addr', 'server_port', 'sni'],
  ssl: ['certificates', 'client', 'id', 'labels', 'snis', 'ssl_protocols', 'type'],
  certificate: ['certificate', 'key'],
  consumer: ['credentials', 'description', 'labels', 'plugins', 'username'],
  credential: ['config', 'description', 'id', 'labels', 'name', 'type'],
  consumer_group: ['consumers', 'description', 'id', 'labels', 'name', 'plugins'],
} as const;

/** The auth plugins a credential may be (ADC's `consumerCredentialSchema`). */
export const CREDENTIAL_TYPES = ['basic-auth', 'hmac-auth', 'jwt-auth', 'key-auth'];

import type { Defaults, KindDescriptor } from './descriptor.js';
import { GATEWAY_SERVER_FIELDS, LABEL_OWNERSHIP } from './ownership.js';

const ACTIVE_CHECK: Defaults = {
  values: {
    type: 'http',
    timeout: 1,
    concurrency: 10,
    http_method: 'GET',
    http_path: '/',
    http_req_body: '',
    https_verify_certificate: true,
  },
  fields: {
    healthy: { values: { interval: 1, http_statuses: [200, 302], successes: 2 } },
    unhealthy: {
      values: {
        interval: 1,
        http_statuses: [429, 404, 500, 501, 502, 503, 504, 505],
        http_failures: 5,
        tcp_failures: 2,
        timeouts: 3,
      },
    },
  },
};

const PASSIVE_CHECK: Defaults = {
  values: { type: 'http' },
  fields: {
    healthy: {
      values: {
        http_statuses: [200, 201, 202, 203, 204, 205, 206, 207, 208, 226, 300, 301, 302, 303, 304, 305, 306, 307, 308],
        successes: 5,
      },
    },
    unhealthy: { values: { http_statuses: [429, 500, 503], tcp_failures: 2, timeouts: 7, http_failures: 5 } },
  },
};

/** The defaults of APISIX's upstream schema (`apisix/schema_def.lua` `upstream_schema`), also used inline by services and routes. */
export const UPSTREAM_DEFAULTS: Defaults = {
  values: { type: 'roundrobin', hash_on: 'vars', scheme: 'http', pass_host: 'pass' },
  fields: {
    // client_key is stored encrypted and returned as ciphertext; tagway never sends secrets.
    tls: { values: { verify: false }, ignored: ['client_key'] },
    keepalive_pool: { values: { size: 320, idle_timeout: 60, requests: 1000 } },
    checks: { fields: { active: ACTIVE_CHECK, passive: PASSIVE_CHECK } },
  },
  items: { nodes: { values: { priority: 0 } } },
};

/**
 * `/apisix/admin/upstreams`: where services and routes send requests. Refers to the client
 * certificate it presents to its nodes (`tls.client_cert_id`, an SSL of `type: client`).
 */
export const UPSTREAMS: KindDescriptor<'upstreams'> = {
  name: 'upstreams',
  singular: 'upstream',
  admin: { list: 'upstreams', object: 'upstreams/{id}' },
  id: { field: 'id' },
  standalone: { key: 'upstreams' },
  references: [{ kind: 'ssls', at: ['tls', 'client_cert_id'] }],
  ownership: LABEL_OWNERSHIP,
  serverFields: GATEWAY_SERVER_FIELDS,
  defaults: UPSTREAM_DEFAULTS,
  defaultMarkers: ['type', 'hash_on', 'scheme', 'pass_host'],
  secretFields: ['/tls/client_key'],
  schema: 'upstream',
};

/**
 * apisix/admin/stream_routes.lua `check_conf`, then apisix/stream/router/ip_port.lua
 * `stream_route_checker`: the stream route schema, the stream plugins, `remote_addr` and
 * `server_addr` as addresses, and the protocol of `protocol.name` (apisix/stream/xrpc.lua: only
 * the protocols registered in config.yaml's `xrpc.protocols`, none by default). Whether
 * `upstream_id`, `service_id` and `protocol.superior_id` name existing objects is the gateway's
 * to know.
 */

import type { Report } from '../report.js';
import { isApisixIpOrCidr, isCidrOrIp } from '../ip-address.js';
import { checkPluginsObject } from '../plugins-object.js';
import { isSecretReference } from '../secret-references.js';
import { checkCoreSchema } from './core-schema.js';

export function checkStreamRoute(conf: unknown, streamPlugins: ReadonlySet<string>, report: Report): void {
  checkCoreSchema('stream_route', conf, report);
  if (typeof conf !== 'object' || conf === null || Array.isArray(conf)) return;
  const route = conf as Readonly<Record<string, unknown>>;
  if (isObject(route.plugins)) checkPluginsObject(route.plugins, '/plugins', { enabled: streamPlugins, stream: true }, report);
  for (const field of ['remote_addr', 'server_addr'] as const) {
    const address = route[field];
    // Run on what passed the schema's ip_def (or skipped it as a secret reference).
    if (typeof address === 'string' && (isSecretReference(address) || isApisixIpOrCidr(address)) && !isCidrOrIp(address)) {
      report(`/${field}`, `invalid ${field}: ${address}`);
    }
  }
  const protocol = route.protocol;
  if (isObject(protocol) && typeof protocol.name === 'string') {
    report('/protocol/name', `unknown protocol [${protocol.name}]: no xrpc protocol is registered in the gateway's config.yaml`);
  }
}

function isObject(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

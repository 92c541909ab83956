/**
 * The code checks of the access plugins: cors, ip-restriction, ua-restriction and real-ip.
 */

import type { Report } from '../report.js';
import { checkIpList, checkRegexList, has, list, truthy, type JsonObject, type PluginCodeChecks } from './helpers.js';

/** apisix/plugins/cors.lua `check_schema` (defaults: allow_origins, allow_methods, allow_headers "*"). */
function checkCors(conf: JsonObject, report: Report): void {
  if (truthy(conf.allow_credential)) {
    const effective = (key: string, fallback?: string): unknown => (has(conf, key) ? conf[key] : fallback);
    const starred = [
      ['allow_origins', effective('allow_origins', '*')],
      ['allow_methods', effective('allow_methods', '*')],
      ['allow_headers', effective('allow_headers', '*')],
      ['expose_headers', effective('expose_headers')],
      ['timing_allow_origins', effective('timing_allow_origins')],
    ]
      .filter(([, value]) => value === '*')
      .map(([key]) => `${String(key)}${has(conf, String(key)) ? '' : ' (by default)'}`);
    if (starred.length > 0) {
      report(
        '/allow_credential',
        `you can not set '*' for other option when 'allow_credential' is true: ${list(starred, 'and')} ${starred.length > 1 ? 'are' : 'is'} '*'`,
      );
    }
  }
  checkRegexList(conf.allow_origins_by_regex, '/allow_origins_by_regex', report);
  checkRegexList(conf.timing_allow_origins_by_regex, '/timing_allow_origins_by_regex', report);
}

/** apisix/plugins/ip-restriction/init.lua `check_schema`. */
function checkIpRestriction(conf: JsonObject, report: Report): void {
  checkIpList(conf.whitelist, '/whitelist', report);
  checkIpList(conf.blacklist, '/blacklist', report);
}

/** apisix/plugins/ua-restriction.lua `check_schema`. */
function checkUaRestriction(conf: JsonObject, report: Report): void {
  checkRegexList(conf.allowlist, '/allowlist', report);
  checkRegexList(conf.denylist, '/denylist', report);
}

/** apisix/plugins/real-ip.lua `check_schema`. */
function checkRealIp(conf: JsonObject, report: Report): void {
  checkIpList(conf.trusted_addresses, '/trusted_addresses', report);
}

export const ACCESS_CHECKS: ReadonlyMap<string, PluginCodeChecks> = new Map([
  ['cors', { schema: checkCors }],
  ['ip-restriction', { schema: checkIpRestriction }],
  ['real-ip', { schema: checkRealIp }],
  ['ua-restriction', { schema: checkUaRestriction }],
]);

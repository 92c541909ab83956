/**
 * The code checks of the authentication plugins: ldap-auth-advanced, multi-auth and cas-auth
 * (`check_schema` past the schema).
 */

import type { Report } from '../report.js';
import { schemaIndex } from '../unit-validators.js';
import { isObject, token, truthy, type JsonObject, type NestedPluginCheck, type PluginCodeChecks } from './helpers.js';

/** apisix/plugins/ldap-auth-advanced.lua `check_schema`. */
function checkLdapAuthAdvanced(conf: JsonObject, report: Report): void {
  if (truthy(conf.use_ldaps) && truthy(conf.use_starttls)) report('', 'use_ldaps and use_starttls are mutually exclusive');
  if (truthy(conf.bind_dn) && !truthy(conf.ldap_password)) report('', 'ldap_password is required when bind_dn is set');
}

/**
 * apisix/plugins/multi-auth.lua `check_schema`: each of `auth_plugins` names an authentication
 * plugin (`type = "auth"`) whose configuration its own check accepts (with its route schema).
 */
function checkMultiAuth(conf: JsonObject, report: Report, nested: NestedPluginCheck): void {
  if (!Array.isArray(conf.auth_plugins)) return;
  const types = schemaIndex().plugins;
  conf.auth_plugins.forEach((entry: unknown, i) => {
    if (!isObject(entry)) return;
    for (const [name, pluginConf] of Object.entries(entry)) {
      const at = `/auth_plugins/${i}/${token(name)}`;
      if (!Object.hasOwn(types, name)) report(at, `${name} plugin did not found`);
      else if (types[name] !== 'auth') report(at, `${name} plugin is not supported: multi-auth takes authentication plugins`);
      else if (isObject(pluginConf)) nested(name, pluginConf, at, (p, message) => report(p, `plugin ${name} check schema failed: ${message}`));
    }
  });
}

/** apisix/plugins/cas-auth.lua `check_schema`: a cookie with SameSite=None must be secure (defaults Lax, true). */
function checkCasAuth(conf: JsonObject, report: Report): void {
  const cookie = conf.cookie;
  if (!isObject(cookie)) return;
  if (cookie.samesite === 'None' && cookie.secure === false) {
    report('/cookie/secure', 'cookie.secure must be true when cookie.samesite is "None"');
  }
}

export const AUTH_CHECKS: ReadonlyMap<string, PluginCodeChecks> = new Map([
  ['cas-auth', { schema: checkCasAuth }],
  ['ldap-auth-advanced', { schema: checkLdapAuthAdvanced }],
  ['multi-auth', { schema: checkMultiAuth }],
]);

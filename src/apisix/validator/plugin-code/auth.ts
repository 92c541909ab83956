/**
 * The code checks of the authentication plugins: jwt-auth's consumer configuration,
 * ldap-auth-advanced, multi-auth and cas-auth (`check_schema` past the schema).
 */

import type { Report } from '../report.js';
import { isNgxBase64 } from '../ngx-base64.js';
import { isSecretReference } from '../secret-references.js';
import { schemaIndex } from '../unit-validators.js';
import { has, isObject, token, truthy, type JsonObject, type NestedPluginCheck, type PluginCodeChecks } from './helpers.js';

/**
 * apisix/plugins/jwt-auth.lua `check_schema` with TYPE_CONSUMER: an HS algorithm (the default is
 * HS256) needs a `secret`, which with `base64_secret` must be base64; the others need a
 * `public_key` (which the schema's `dependencies` already asks for).
 */
function checkJwtAuthConsumer(conf: JsonObject, report: Report): void {
  const algorithm = has(conf, 'algorithm') ? conf.algorithm : 'HS256';
  if (typeof algorithm !== 'string') return;
  const hs = algorithm.startsWith('HS');
  if (hs && !truthy(conf.secret)) {
    report('', 'property "secret" is required when using HS based algorithms');
    return;
  }
  if (truthy(conf.base64_secret) && typeof conf.secret === 'string' && !isSecretReference(conf.secret) && !isNgxBase64(conf.secret)) {
    report('/secret', 'base64_secret required but the secret is not in base64 format');
  }
}

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
      else if (isObject(pluginConf)) nested(name, pluginConf, at, (p, message, severity) => report(p, `plugin ${name} check schema failed: ${message}`, severity));
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
  ['jwt-auth', { consumer: checkJwtAuthConsumer }],
  ['ldap-auth-advanced', { schema: checkLdapAuthAdvanced }],
  ['multi-auth', { schema: checkMultiAuth }],
]);

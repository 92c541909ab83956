/**
 * apisix/plugins/openid-connect.lua `check_schema`, past the schema.
 */

import type { Report } from '../report.js';
import { has, isObject, truthy, type JsonObject, type PluginCodeChecks } from './helpers.js';

/** openid-connect.lua `token_auth_method_credential`: the credential each client authentication needs. */
const AUTH_METHOD_CREDENTIAL = new Map<string, string | false>([
  ['client_secret_basic', false],
  ['client_secret_post', false],
  ['private_key_jwt', 'client_rsa_private_key'],
  ['client_secret_jwt', 'client_secret'],
]);

const DPOP_JWK_MEMBERS = new Map<unknown, readonly string[]>([
  ['EC', ['crv', 'x', 'y']],
  ['RSA', ['e', 'n']],
]);

const DPOP_ALG_KEY = new Map<unknown, { readonly kty: string; readonly crv?: string }>([
  ['ES256', { kty: 'EC', crv: 'P-256' }],
  ['RS256', { kty: 'RSA' }],
  ['PS256', { kty: 'RSA' }],
]);

const RESERVED_FLAT_OPTIONS: readonly (readonly [string, string])[] = [
  ['use_par', 'par.enabled'],
  ['pushed_authorization_request_endpoint', 'par.endpoint'],
  ['pushed_authorization_request_endpoint_auth_method', 'par.endpoint_auth_method'],
  ['use_dpop', 'dpop.enabled'],
  ['dpop_signing_alg', 'dpop.signing_alg'],
  ['dpop_private_key', 'dpop.private_key'],
  ['dpop_public_jwk', 'dpop.public_jwk'],
];

/** apisix/plugins/openid-connect.lua `check_schema`, minus `claim_schema` compilation and private key parsing. */
function checkOpenidConnect(conf: JsonObject, report: Report): void {
  // Before the schema, on the configuration as given (no defaults yet).
  const bearerOnly = truthy(conf.bearer_only);
  if (!bearerOnly && !truthy(conf.session)) {
    report('', 'property "session.secret" is required when "bearer_only" is false');
  }
  const clientSecretOptional = bearerOnly
    ? truthy(conf.public_key) || truthy(conf.use_jwks) || conf.introspection_endpoint_auth_method === 'private_key_jwt'
    : conf.token_endpoint_auth_method === 'private_key_jwt' || truthy(conf.use_pkce);
  if (!clientSecretOptional && !truthy(conf.client_secret)) report('', 'property "client_secret" is required');

  for (const [name, owner] of RESERVED_FLAT_OPTIONS) {
    if (has(conf, name)) report(`/${name}`, `property "${name}" is not allowed, use "${owner}" instead`);
  }
  checkDpop(conf.dpop, report);
  checkClientJwtAssertionAlg(conf, report);
  checkParAuthMethod(conf, report);
}

/** openid-connect.lua `check_dpop_key` (the schema's `not` keeps private members out of `dpop.public_jwk`). */
function checkDpop(dpop: unknown, report: Report): void {
  if (!isObject(dpop)) return;
  const jwk = dpop.public_jwk;
  if (!isObject(jwk)) return;
  if (!truthy(dpop.enabled)) return;
  const members = DPOP_JWK_MEMBERS.get(jwk.kty);
  if (!members) {
    report('/dpop/public_jwk', `kty "${String(jwk.kty)}" is not supported`);
    return;
  }
  for (const member of members) {
    if (!has(jwk, member)) {
      report('/dpop/public_jwk', `kty "${String(jwk.kty)}" requires ${members.join(', ')}`);
      return;
    }
    const value = jwk[member];
    if (typeof value !== 'string' || value === '') {
      report(`/dpop/public_jwk/${member}`, `"${member}" must be a non-empty string`);
      return;
    }
  }
  const signingAlg = has(dpop, 'signing_alg') ? dpop.signing_alg : 'ES256';
  const expected = DPOP_ALG_KEY.get(signingAlg);
  if (!expected) return;
  if (expected.kty !== jwk.kty) {
    report('/dpop/signing_alg', `"${String(signingAlg)}" requires an ${expected.kty} "dpop.public_jwk"`);
  } else if (expected.crv !== undefined && jwk.crv !== expected.crv) {
    report('/dpop/signing_alg', `"${String(signingAlg)}" requires "dpop.public_jwk" crv "${expected.crv}", got "${String(jwk.crv)}"`);
  }
}

/** openid-connect.lua `check_client_jwt_assertion_alg` with `reachable_jwt_auth`, after the schema's defaults. */
function checkClientJwtAssertionAlg(conf: JsonObject, report: Report): void {
  const alg = conf.client_jwt_assertion_alg;
  if (typeof alg !== 'string') return;
  const bearerOnly = truthy(conf.bearer_only);
  const par = isObject(conf.par) ? conf.par : undefined;
  const reachable: { readonly name: string; readonly method: unknown }[] = [];
  if (!(truthy(conf.public_key) || truthy(conf.use_jwks)) && (bearerOnly || truthy(conf.introspection_endpoint))) {
    const method = has(conf, 'introspection_endpoint_auth_method') ? conf.introspection_endpoint_auth_method : 'client_secret_basic';
    reachable.push({ name: 'introspection_endpoint_auth_method', method });
  }
  if (!bearerOnly) {
    const method = has(conf, 'token_endpoint_auth_method') ? conf.token_endpoint_auth_method : 'client_secret_basic';
    const credential = typeof method === 'string' ? AUTH_METHOD_CREDENTIAL.get(method) : undefined;
    if (credential === undefined || credential === false || truthy(conf[credential])) {
      reachable.push({ name: 'token_endpoint_auth_method', method });
    }
    if (par && truthy(par.enabled) && truthy(par.endpoint_auth_method)) {
      reachable.push({ name: 'par.endpoint_auth_method', method: par.endpoint_auth_method });
    }
  }
  const asymmetricBy = reachable.find((r) => r.method === 'private_key_jwt')?.name;
  const symmetricBy = reachable.find((r) => r.method === 'client_secret_jwt')?.name;
  const at = '/client_jwt_assertion_alg';
  if (asymmetricBy && symmetricBy) {
    report(at, `a single algorithm, but "${asymmetricBy}" selects private_key_jwt and "${symmetricBy}" selects client_secret_jwt`);
    return;
  }
  const symmetric = alg.startsWith('HS');
  if (asymmetricBy && symmetric) {
    report(at, `"${alg}" is symmetric and cannot be used with the private_key_jwt selected by "${asymmetricBy}"`);
  } else if (symmetricBy && !symmetric) {
    report(at, `"${alg}" is asymmetric and cannot be used with the client_secret_jwt selected by "${symmetricBy}"`);
  }
}

/** openid-connect.lua `check_par_auth_method`. */
function checkParAuthMethod(conf: JsonObject, report: Report): void {
  const par = conf.par;
  if (truthy(conf.bearer_only) || !isObject(par) || !truthy(par.enabled)) return;
  const method = par.endpoint_auth_method;
  if (typeof method !== 'string') return;
  const credential = AUTH_METHOD_CREDENTIAL.get(method);
  if (typeof credential === 'string' && !truthy(conf[credential])) {
    report('/par/endpoint_auth_method', `"${method}" requires "${credential}" when "par.enabled" is true`);
  }
}

export const OPENID_CONNECT_CHECKS: ReadonlyMap<string, PluginCodeChecks> = new Map([['openid-connect', { schema: checkOpenidConnect }]]);

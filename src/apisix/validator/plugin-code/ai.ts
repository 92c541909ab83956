/**
 * The code checks of the AI plugins: ai-proxy, ai-proxy-multi, ai-prompt-guard,
 * ai-rate-limiting and ai-request-rewrite (`check_schema` past the schema).
 */

import type { Report } from '../report.js';
import { parseLuaChunk } from '../lua-syntax.js';
import { isSecretReference } from '../secret-references.js';
import { UPSTREAM_HASH_HEADER_PATTERN, UPSTREAM_HASH_VARS_PATTERN } from '../schema.js';
import { checkRegexList, has, isObject, truthy, type JsonObject, type PluginCodeChecks } from './helpers.js';

/**
 * apisix/plugins/ai-proxy/schema.lua `validate_provider_requirements`, and a Google service
 * account given as JSON text must parse (ai-proxy.lua, ai-proxy-multi.lua).
 */
function checkProvider(conf: JsonObject, pointer: string, report: Report): void {
  const providerConf = isObject(conf.provider_conf) ? conf.provider_conf : undefined;
  const override = isObject(conf.override) ? conf.override : undefined;
  if (conf.provider === 'vertex-ai' && !(truthy(providerConf?.project_id) && truthy(providerConf?.region)) && !truthy(override?.endpoint)) {
    report(pointer, 'vertex-ai requires either provider_conf (project_id + region) or override.endpoint');
  }
  if (conf.provider === 'bedrock') {
    if (!truthy(providerConf?.region)) report(pointer, 'bedrock requires provider_conf.region');
    if (!(isObject(conf.auth) && truthy(conf.auth.aws))) report(pointer, 'bedrock requires auth.aws');
  }
  const auth = conf.auth;
  const gcp = isObject(auth) && isObject(auth.gcp) ? auth.gcp : undefined;
  const json = gcp?.service_account_json;
  if (typeof json === 'string' && !isSecretReference(json)) {
    try {
      JSON.parse(json);
    } catch (e) {
      report(`${pointer}/auth/gcp/service_account_json`, `invalid gcp service_account_json: ${e instanceof Error ? e.message : 'not JSON'}`);
    }
  }
}

function checkAiProxy(conf: JsonObject, report: Report): void {
  checkProvider(conf, '', report);
}

/** ai-proxy-multi.lua `endpoint_regex` (a Lua pattern): a scheme and a host. */
const ENDPOINT = /^(https?):\/\/([^:/]+):?(\d*)\/?.*$/s;

/**
 * apisix/plugins/ai-proxy-multi.lua `check_schema`: instance names are unique, an override
 * endpoint has a scheme and a host, each instance meets its provider's requirements, and a chash
 * balancer says what to hash on.
 */
function checkAiProxyMulti(conf: JsonObject, report: Report): void {
  if (Array.isArray(conf.instances)) {
    const seen = new Map<unknown, number>();
    conf.instances.forEach((instance: unknown, i) => {
      if (!isObject(instance)) return;
      const at = `/instances/${i}`;
      const first = seen.get(instance.name);
      if (first !== undefined) report(`${at}/name`, `duplicate instance name '${String(instance.name)}' at instances[${first + 1}] and instances[${i + 1}]`);
      else seen.set(instance.name, i);
      const override = instance.override;
      if (isObject(override) && typeof override.endpoint === 'string' && !ENDPOINT.test(override.endpoint)) {
        report(`${at}/override/endpoint`, 'invalid endpoint');
      }
      checkProvider(instance, at, report);
    });
  }
  const balancer = conf.balancer;
  if (isObject(balancer) && balancer.algorithm === 'chash') {
    const hashOn = balancer.hash_on;
    if (!truthy(hashOn)) report('/balancer', 'must configure `hash_on` when balancer algorithm is chash');
    else if (hashOn !== 'consumer' && !truthy(balancer.key)) report('/balancer', 'must configure `hash_key` when balancer `hash_on` is not set to cookie');
    else if (typeof balancer.key === 'string') {
      const pattern = hashOn === 'vars' ? UPSTREAM_HASH_VARS_PATTERN : hashOn === 'header' || hashOn === 'cookie' ? UPSTREAM_HASH_HEADER_PATTERN : null;
      if (pattern && !pattern.test(balancer.key)) report('/balancer/key', `invalid configuration: failed to match pattern ${String(pattern)} with "${balancer.key}"`);
    }
  }
}

/** apisix/plugins/ai-prompt-guard.lua `check_schema`: the patterns compile (`re_compile(pattern, "jou")`). */
function checkAiPromptGuard(conf: JsonObject, report: Report): void {
  checkRegexList(conf.allow_patterns, '/allow_patterns', report);
  checkRegexList(conf.deny_patterns, '/deny_patterns', report);
}

/** apisix/plugins/ai-rate-limiting.lua `check_schema`: the `expression` strategy needs a `cost_expr` that compiles as Lua. */
function checkAiRateLimiting(conf: JsonObject, report: Report): void {
  if (conf.limit_strategy !== 'expression') return;
  const expression = conf.cost_expr;
  if (typeof expression !== 'string' || expression === '') {
    report(has(conf, 'cost_expr') ? '/cost_expr' : '', "cost_expr is required when limit_strategy is 'expression'");
    return;
  }
  const parsed = parseLuaChunk(`return ${expression}`);
  if (!parsed.ok) report('/cost_expr', `invalid cost_expr: ${parsed.message}`);
}

/** apisix/plugins/ai-request-rewrite.lua `check_schema`: the openai-compatible provider needs `override.endpoint`. */
function checkAiRequestRewrite(conf: JsonObject, report: Report): void {
  if (conf.provider !== 'openai-compatible') return;
  const override = conf.override;
  if (!isObject(override) || !truthy(override.endpoint)) report('', 'override.endpoint is required for openai-compatible provider');
}

export const AI_CHECKS: ReadonlyMap<string, PluginCodeChecks> = new Map([
  ['ai-prompt-guard', { schema: checkAiPromptGuard }],
  ['ai-proxy', { schema: checkAiProxy }],
  ['ai-proxy-multi', { schema: checkAiProxyMulti }],
  ['ai-rate-limiting', { schema: checkAiRateLimiting }],
  ['ai-request-rewrite', { schema: checkAiRequestRewrite }],
]);

/**
 * The code checks of the traffic plugins: limit-count (and graphql-limit-count, which runs it),
 * traffic-split, fault-injection, proxy-cache, workflow, traffic-label and mocking.
 */

import type { Report } from '../report.js';
import { checkExpression, has, isObject, truthy, type JsonObject, type NestedPluginCheck, type PluginCodeChecks } from './helpers.js';

const REDIS_POLICIES = new Set(['redis', 'redis-cluster', 'redis-sentinel']);

/**
 * apisix/plugins/limit-count/init.lua `check_schema` (also graphql-limit-count's). Rules with both
 * count and time_window already fail the schema's `oneOf`.
 */
function checkLimitCount(conf: JsonObject, report: Report): void {
  if (truthy(conf.rules) && (truthy(conf.count) || truthy(conf.time_window)) && !(has(conf, 'count') && has(conf, 'time_window'))) {
    report('', 'count/time_window and rules cannot be specified at the same time');
  }
  if (truthy(conf.group) && truthy(conf.rules)) report('/group', 'group and rules cannot be specified at the same time');

  const policy = has(conf, 'policy') ? conf.policy : 'local';
  const syncInterval = has(conf, 'sync_interval') ? conf.sync_interval : -1;
  if (typeof policy === 'string' && REDIS_POLICIES.has(policy) && typeof syncInterval === 'number' && syncInterval !== -1) {
    if (syncInterval < 0.1) {
      report('/sync_interval', 'sync_interval should not be smaller than 0.1');
    } else if (typeof conf.time_window === 'number' && syncInterval >= conf.time_window) {
      report('/sync_interval', 'sync_interval should be smaller than time_window');
    }
  }

  if (Array.isArray(conf.rules)) {
    const keys = new Set<string>();
    conf.rules.forEach((rule: unknown, i) => {
      if (!isObject(rule) || typeof rule.key !== 'string') return;
      if (keys.has(rule.key)) report(`/rules/${i}/key`, `duplicate key '${rule.key}' in rules`);
      keys.add(rule.key);
    });
  }
}

/** apisix/plugins/traffic-split.lua `check_schema`. */
function checkTrafficSplit(conf: JsonObject, report: Report): void {
  if (!Array.isArray(conf.rules)) return;
  conf.rules.forEach((rule: unknown, i) => {
    if (!isObject(rule)) return;
    if (Array.isArray(rule.match)) {
      rule.match.forEach((match: unknown, j) => {
        if (!isObject(match)) return;
        const at = `/rules/${i}/match/${j}`;
        if (!has(match, 'vars')) report(at, "failed to validate the 'vars' expression: missing argument rule");
        else checkExpression(match.vars, `${at}/vars`, 'vars', report);
      });
    }
  });
}

/** apisix/plugins/fault-injection.lua `check_schema`. */
function checkFaultInjection(conf: JsonObject, report: Report): void {
  for (const action of ['abort', 'delay']) {
    const section = conf[action];
    if (!isObject(section) || !Array.isArray(section.vars)) continue;
    section.vars.forEach((vars: unknown, i) => checkExpression(vars, `/${action}/vars/${i}`, 'vars', report));
  }
}

/** apisix/plugins/proxy-cache/init.lua `check_schema`, minus the cache zones of the gateway's config.yaml. */
function checkProxyCache(conf: JsonObject, report: Report): void {
  if (!Array.isArray(conf.cache_key)) return;
  conf.cache_key.forEach((key: unknown, i) => {
    if (key === '$request_method') report(`/cache_key/${i}`, 'cache_key variable $request_method unsupported');
  });
}

/** workflow.lua `support_action`: `return`, and the actions limit-count and limit-conn register. */
const WORKFLOW_ACTIONS = new Set(['return', 'limit-count', 'limit-conn']);

/**
 * apisix/plugins/workflow.lua `check_schema`: each action is one APISIX supports, with a valid
 * configuration (`return`: a `code` of 100-599; limit-count: its check, without `group`;
 * limit-conn: its schema). The `case` expressions are not checked: the Lua tests the wrong
 * variable, so APISIX accepts any.
 */
function checkWorkflow(conf: JsonObject, report: Report, nested: NestedPluginCheck): void {
  if (!Array.isArray(conf.rules)) return;
  conf.rules.forEach((rule: unknown, i) => {
    if (!isObject(rule) || !Array.isArray(rule.actions)) return;
    rule.actions.forEach((action: unknown, j) => {
      if (!Array.isArray(action)) return;
      const at = `/rules/${i}/actions/${j}`;
      const name = action[0];
      if (typeof name !== 'string' || !WORKFLOW_ACTIONS.has(name)) {
        report(`${at}/0`, `unsupported action: ${String(name)}`);
        return;
      }
      const actionConf = action[1];
      if (!isObject(actionConf)) {
        report(`${at}/1`, `the '${name}' action needs a configuration object`);
        return;
      }
      const fail: Report = (p, message, severity) => report(`${at}/1${p}`, `failed to validate the '${name}' action: ${message}`, severity);
      if (name === 'return') checkReturnAction(actionConf, fail);
      else {
        nested(name, actionConf, '', fail);
        if (name === 'limit-count' && truthy(actionConf.group)) fail('/group', 'group is not supported');
      }
    });
  });
}

/** workflow.lua `return_schema`. */
function checkReturnAction(conf: JsonObject, report: Report): void {
  const code = conf.code;
  if (code === undefined) report('', 'missing required property "code"');
  else if (typeof code !== 'number' || code % 1 !== 0) report('/code', 'must be integer');
  else if (code < 100 || code > 599) report('/code', 'must be >= 100 and <= 599');
}

/**
 * apisix/plugins/traffic-label.lua `check_schema`: each rule's `match` compiles, each action is
 * `set_headers` (checked as proxy-rewrite checks its `headers`) or `weight`.
 */
function checkTrafficLabel(conf: JsonObject, report: Report, nested: NestedPluginCheck): void {
  if (!Array.isArray(conf.rules)) return;
  conf.rules.forEach((rule: unknown, i) => {
    if (!isObject(rule)) return;
    if (Array.isArray(rule.match)) checkExpression(rule.match, `/rules/${i}/match`, 'match', report);
    if (!Array.isArray(rule.actions)) return;
    rule.actions.forEach((action: unknown, j) => {
      if (!isObject(action)) return;
      for (const [name, value] of Object.entries(action)) {
        const at = `/rules/${i}/actions/${j}/${name}`;
        if (name === 'weight' || value === undefined) continue;
        if (name !== 'set_headers') {
          report(at, `not supported action: ${name}`);
          continue;
        }
        if (!isObject(value)) continue;
        // proxy-rewrite's check of `{ headers = conf }`: its pointers start at /headers.
        nested('proxy-rewrite', { headers: value }, '', (p, message, severity) =>
          report(`${at}${p.replace(/^\/headers/, '')}`, `failed to validate the 'set_headers' action: ${message}`, severity),
        );
      }
    });
  });
}

/** mocking.lua `support_content_type`. */
const MOCKING_CONTENT_TYPES = new Set(['application/xml', 'application/json', 'text/plain', 'text/html', 'text/xml']);

/**
 * apisix/plugins/mocking.lua `check_schema`: `content_type` (default
 * "application/json;charset=utf8") up to its last ';' is a type the plugin can generate.
 */
function checkMocking(conf: JsonObject, report: Report): void {
  const contentType = has(conf, 'content_type') ? conf.content_type : 'application/json;charset=utf8';
  if (typeof contentType !== 'string') return;
  const match = /([ -~]*);([ -~]*)/.exec(contentType);
  const type = match ? match[1]! : contentType;
  if (!MOCKING_CONTENT_TYPES.has(type)) {
    report(has(conf, 'content_type') ? '/content_type' : '', `unsupported content type ${JSON.stringify(type)}: must be one of ${[...MOCKING_CONTENT_TYPES].join(', ')}`);
  }
}

export const TRAFFIC_CHECKS: ReadonlyMap<string, PluginCodeChecks> = new Map([
  ['fault-injection', { schema: checkFaultInjection }],
  ['graphql-limit-count', { schema: checkLimitCount }],
  ['limit-count', { schema: checkLimitCount }],
  ['mocking', { schema: checkMocking }],
  ['proxy-cache', { schema: checkProxyCache }],
  ['traffic-label', { schema: checkTrafficLabel }],
  ['traffic-split', { schema: checkTrafficSplit }],
  ['workflow', { schema: checkWorkflow }],
]);

/**
 * The code checks of the traffic plugins: limit-count, traffic-split, fault-injection and
 * proxy-cache.
 */

import type { Report } from '../report.js';
import { checkExpression, has, isObject, truthy, type JsonObject, type PluginCodeChecks } from './helpers.js';

const REDIS_POLICIES = new Set(['redis', 'redis-cluster', 'redis-sentinel']);

/**
 * apisix/plugins/limit-count/init.lua `check_schema`. Rules with both
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

export const TRAFFIC_CHECKS: ReadonlyMap<string, PluginCodeChecks> = new Map([
  ['fault-injection', { schema: checkFaultInjection }],
  ['limit-count', { schema: checkLimitCount }],
  ['proxy-cache', { schema: checkProxyCache }],
  ['traffic-split', { schema: checkTrafficSplit }],
]);

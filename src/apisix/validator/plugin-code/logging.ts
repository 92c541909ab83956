/**
 * The code checks of the logging plugins: apisix/utils/log-util.lua `check_log_schema` (run by
 * http-logger, kafka-logger, loki-logger, loggly, rocketmq-logger and tencent-cloud-cls) and
 * file-logger's `match`.
 */

import type { Report } from '../report.js';
import { checkExpression, truthy, type JsonObject, type PluginCodeChecks } from './helpers.js';

/** apisix/utils/log-util.lua `check_log_schema`: the expressions that select what bodies to log compile. */
function checkLogSchema(conf: JsonObject, report: Report): void {
  for (const key of ['include_req_body_expr', 'include_resp_body_expr']) {
    if (truthy(conf[key])) checkExpression(conf[key], `/${key}`, key, report);
  }
}

/**
 * apisix/plugins/file-logger.lua `check_schema`: `match` compiles. That `path` is set here or in
 * the plugin's metadata is left to the gateway, which holds the metadata.
 */
function checkFileLogger(conf: JsonObject, report: Report): void {
  if (truthy(conf.match)) checkExpression(conf.match, '/match', 'match', report);
}

export const LOGGING_CHECKS: ReadonlyMap<string, PluginCodeChecks> = new Map([
  ['file-logger', { schema: checkFileLogger }],
  ['http-logger', { schema: checkLogSchema }],
  ['kafka-logger', { schema: checkLogSchema }],
  ['loggly', { schema: checkLogSchema }],
  ['loki-logger', { schema: checkLogSchema }],
  ['rocketmq-logger', { schema: checkLogSchema }],
  ['tencent-cloud-cls', { schema: checkLogSchema }],
]);

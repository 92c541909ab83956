/**
 * The code checks of the logging plugins: apisix/utils/log-util.lua `check_log_schema`, which
 * http-logger runs.
 */

import type { Report } from '../report.js';
import { checkExpression, truthy, type JsonObject, type PluginCodeChecks } from './helpers.js';

/** apisix/utils/log-util.lua `check_log_schema`: the expressions that select what bodies to log compile. */
function checkLogSchema(conf: JsonObject, report: Report): void {
  for (const key of ['include_req_body_expr', 'include_resp_body_expr']) {
    if (truthy(conf[key])) checkExpression(conf[key], `/${key}`, key, report);
  }
}

export const LOGGING_CHECKS: ReadonlyMap<string, PluginCodeChecks> = new Map([['http-logger', { schema: checkLogSchema }]]);

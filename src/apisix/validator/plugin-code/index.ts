/**
 * The checks APISIX's plugins make in `check_schema` past their schema, by plugin; each module
 * mirrors the Lua of the plugins it names. plugin-checks.ts runs them after the schema.
 */

import type { PluginCodeChecks } from './helpers.js';
import { ACCESS_CHECKS } from './access.js';
import { AI_CHECKS } from './ai.js';
import { AUTH_CHECKS } from './auth.js';
import { GRAPHQL_CHECKS } from './graphql.js';
import { LOGGING_CHECKS } from './logging.js';
import { OPENID_CONNECT_CHECKS } from './openid-connect.js';
import { REWRITE_CHECKS } from './rewrite.js';
import { SERVERLESS_CHECKS } from './serverless.js';
import { TRAFFIC_CHECKS } from './traffic.js';

export type { NestedPluginCheck, PluginCodeChecks } from './helpers.js';

export const CODE_CHECKS: ReadonlyMap<string, PluginCodeChecks> = new Map(
  [ACCESS_CHECKS, AI_CHECKS, AUTH_CHECKS, GRAPHQL_CHECKS, LOGGING_CHECKS, OPENID_CONNECT_CHECKS, REWRITE_CHECKS, SERVERLESS_CHECKS, TRAFFIC_CHECKS].flatMap((m) => [...m]),
);

/**
 * apisix/plugins/degraphql.lua `check_schema`: the `query` parses (graphql-syntax.ts), and a query
 * of several definitions names the operation to run.
 */

import type { Report } from '../report.js';
import { graphqlDefinitions } from '../graphql-syntax.js';
import { truthy, type JsonObject, type PluginCodeChecks } from './helpers.js';

function checkDegraphql(conf: JsonObject, report: Report): void {
  if (typeof conf.query !== 'string') return;
  const definitions = graphqlDefinitions(conf.query);
  if (definitions === null) report('/query', 'failed to parse query: not a GraphQL query');
  else if (definitions > 1 && !truthy(conf.operation_name)) {
    report('', 'operation_name is required if multiple operations are present in the query');
  }
}

export const GRAPHQL_CHECKS: ReadonlyMap<string, PluginCodeChecks> = new Map([['degraphql', { schema: checkDegraphql }]]);

/**
 * `core.schema.check(core.schema.<name>, conf)`: a body against a schema of apisix/schema_def.lua,
 * from APISIX's schemas file (unit `core/<name>`).
 */

import type { Report } from '../report.js';
import { schemaIssues } from '../schema-errors.js';
import { unitSchemas, unitValidators } from '../unit-validators.js';

export function checkCoreSchema(name: string, conf: unknown, report: Report): void {
  const validate = unitValidators(`core/${name}`)?.schema;
  if (!validate || validate(conf)) return;
  const schema = unitSchemas(`core/${name}`)?.schema;
  for (const issue of schemaIssues(validate.errors ?? [], conf, schema)) report(issue.pointer, issue.message);
}

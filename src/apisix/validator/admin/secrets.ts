/**
 * apisix/admin/secrets.lua `check_conf`: the path names a secret manager
 * (`apisix/secret/<manager>.lua`) and the body meets its schema.
 */

import type { Report } from '../report.js';
import { schemaIssues } from '../schema-errors.js';
import { schemaIndex, unitSchemas, unitValidators } from '../unit-validators.js';

export function checkSecret(conf: unknown, manager: string | undefined, report: Report): void {
  if (manager === undefined || manager === '') {
    report('', 'missing secret type: the path of a secret is <manager>/<id>');
    return;
  }
  if (!schemaIndex().secretManagers.includes(manager)) {
    report('', `invalid secret manager: ${manager} (APISIX has ${schemaIndex().secretManagers.join(', ')})`);
    return;
  }
  const validate = unitValidators(`secret/${manager}`)?.schema;
  if (!validate || validate(conf)) return;
  const schema = unitSchemas(`secret/${manager}`)?.schema;
  for (const issue of schemaIssues(validate.errors ?? [], conf, schema)) report(issue.pointer, issue.message);
}

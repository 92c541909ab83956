/**
 * ajv errors → `{ pointer, message }`, worded like the Admin API where that helps: the pointer is
 * the offending value (for an unknown property, the property itself; for a missing one, the
 * object that lacks it).
 */

import type { ErrorObject } from 'ajv';

export interface SchemaIssue {
  readonly pointer: string;
  readonly message: string;
}

const FORMAT_MESSAGES: Readonly<Record<string, string>> = {
  'apisix-ip': 'must be an IPv4 or IPv6 address, optionally with a /mask (CIDR)',
};

/** `data` is the validated value, used to skip unknown properties whose value is `undefined`. */
export function schemaIssues(errors: readonly ErrorObject[], data: unknown): SchemaIssue[] {
  const issues: SchemaIssue[] = [];
  for (const e of errors) {
    const issue = toIssue(e, data);
    if (issue) issues.push(issue);
  }
  return issues;
}

function toIssue(e: ErrorObject, data: unknown): SchemaIssue | null {
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties': {
      const property = String(params.additionalProperty);
      // JSON.stringify drops `undefined`, so such a property is never sent to APISIX.
      const parent = resolvePointer(data, e.instancePath);
      if (typeof parent === 'object' && parent !== null && (parent as Record<string, unknown>)[property] === undefined) {
        return null;
      }
      return { pointer: `${e.instancePath}/${escapeToken(property)}`, message: `unknown property "${property}"` };
    }
    case 'required':
      return { pointer: e.instancePath, message: `missing required property "${String(params.missingProperty)}"` };
    case 'dependencies':
      return {
        pointer: e.instancePath,
        message: `property "${String(params.property)}" requires property "${String(params.missingProperty)}"`,
      };
    case 'type': {
      const types = Array.isArray(params.type) ? params.type.map(String) : String(params.type).split(',');
      return { pointer: e.instancePath, message: `must be ${types.join(' or ')}` };
    }
    case 'enum': {
      const allowed = Array.isArray(params.allowedValues) ? params.allowedValues : [];
      return { pointer: e.instancePath, message: `must be one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}` };
    }
    case 'format':
      return {
        pointer: e.instancePath,
        message: FORMAT_MESSAGES[String(params.format)] ?? e.message ?? 'has an invalid format',
      };
    default:
      return { pointer: e.instancePath, message: e.message ?? `fails ${e.keyword}` };
  }
}

function escapeToken(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

function resolvePointer(data: unknown, pointer: string): unknown {
  if (pointer === '') return data;
  let node: unknown = data;
  for (const raw of pointer.slice(1).split('/')) {
    if (typeof node !== 'object' || node === null) return undefined;
    const token = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    node = (node as Record<string, unknown>)[token];
  }
  return node;
}

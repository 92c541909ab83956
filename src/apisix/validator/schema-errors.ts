/**
 * ajv errors → `{ pointer, message }`, worded like the Admin API where that helps: the pointer is
 * the offending value (for an unknown property, the property itself; for a missing one, the
 * object that lacks it). A failed `anyOf` / `oneOf` is one error at its value: the errors of its
 * alternatives, each failing for its own reason, are left out. So is the summary ajv adds for a
 * failed `if` (its branch's own errors say more).
 */

import type { ErrorObject } from 'ajv';

export interface SchemaIssue {
  readonly pointer: string;
  readonly message: string;
}

const FORMAT_MESSAGES: Readonly<Record<string, string>> = {
  'apisix-ip': 'must be an IPv4 or IPv6 address, optionally with a /mask (CIDR)',
  'lua-ipv4': 'must be an IPv4 address',
  'lua-ipv6': 'must be an IPv6 address',
};

/**
 * `data` is the validated value, used to skip unknown properties whose value is `undefined`;
 * `schema`, the schema validated against, names what a failed `not` excluded.
 */
export function schemaIssues(errors: readonly ErrorObject[], data: unknown, schema?: unknown): SchemaIssue[] {
  const alternatives = errors.filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf').map((e) => `${e.schemaPath}/`);
  const issues: SchemaIssue[] = [];
  for (const e of errors) {
    if (e.keyword === 'if' || alternatives.some((prefix) => e.schemaPath.startsWith(prefix))) continue;
    const issue = toIssue(e, data, schema);
    if (issue) issues.push(issue);
  }
  return issues;
}

function toIssue(e: ErrorObject, data: unknown, schema: unknown): SchemaIssue | null {
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
    case 'type':
    case 'luaType': {
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
    case 'anyOf':
      return { pointer: e.instancePath, message: 'must match one of the forms the schema allows' };
    case 'oneOf': {
      const passing = params.passingSchemas;
      return {
        pointer: e.instancePath,
        message: Array.isArray(passing)
          ? `must match exactly one of the forms the schema allows, matches forms ${passing.map((i) => Number(i) + 1).join(' and ')}`
          : 'must match exactly one of the forms the schema allows',
      };
    }
    case 'not':
      return { pointer: e.instancePath, message: excluded(resolveSchemaPath(schema, e.schemaPath), e.schemaPath) };
    default:
      return { pointer: e.instancePath, message: e.message ?? `fails ${e.keyword}` };
  }
}

/**
 * The message of a failed `not`, from what it excluded where that is properties: a `required`
 * list (all of them together) or lua-schema.ts's `luaRequiredAnyOf` (any of them).
 */
function excluded(not: unknown, schemaPath: string): string {
  const keys = typeof not === 'object' && not !== null ? Object.keys(not) : [];
  const node = not as { required?: unknown; luaRequiredAnyOf?: unknown };
  const dependency = /\/dependencies\/([^/]+)\/not$/.exec(schemaPath);
  const subject = dependency ? `property "${unescapeToken(dependency[1]!)}" cannot be used with` : 'cannot have';
  if (keys.length === 1 && Array.isArray(node.required)) {
    return `${subject} ${node.required.map((n) => `"${String(n)}"`).join(' and ')}${dependency ? '' : ' together'}`;
  }
  if (keys.length === 1 && Array.isArray(node.luaRequiredAnyOf)) {
    const names = (node.luaRequiredAnyOf as unknown[][]).map((list) => list.map((n) => `"${String(n)}"`).join(' and '));
    return `${dependency ? subject : 'must not have'} any of ${names.join(', ')}`;
  }
  return 'must not match the form the schema excludes';
}

/** The schema at an ajv `schemaPath` (`#/properties/a/not`), or undefined. */
function resolveSchemaPath(schema: unknown, schemaPath: string): unknown {
  if (schema === undefined || !schemaPath.startsWith('#')) return undefined;
  return resolvePointer(schema, schemaPath.slice(1));
}

function escapeToken(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

function unescapeToken(token: string): string {
  return token.replace(/~1/g, '/').replace(/~0/g, '~');
}

function resolvePointer(data: unknown, pointer: string): unknown {
  if (pointer === '') return data;
  let node: unknown = data;
  for (const raw of pointer.slice(1).split('/')) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[unescapeToken(raw)];
  }
  return node;
}

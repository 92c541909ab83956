import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { pluginMetaSchema, routeSchema, serviceSchema, upstreamSchema } from './schema.js';

/** Every property path a schema names, through properties, items and alternatives. */
function propertyPaths(schema: unknown, prefix = '', out = new Set<string>()): Set<string> {
  if (typeof schema !== 'object' || schema === null) return out;
  const node = schema as Record<string, unknown>;
  for (const [name, sub] of Object.entries((node.properties as Record<string, unknown> | undefined) ?? {})) {
    out.add(`${prefix}/${name}`);
    propertyPaths(sub, `${prefix}/${name}`, out);
  }
  if (typeof node.items === 'object') propertyPaths(node.items, `${prefix}/[]`, out);
  for (const key of ['anyOf', 'oneOf', 'allOf']) {
    for (const branch of (node[key] as unknown[] | undefined) ?? []) propertyPaths(branch, prefix, out);
  }
  return out;
}

describe("schema.ts's route, service and upstream", () => {
  const core = (JSON.parse(readFileSync(new URL('./data/apisix-schemas.json', import.meta.url), 'utf8')) as { core: Record<string, unknown> }).core;

  it.each([
    ['route', routeSchema],
    ['service', serviceSchema],
    ['upstream', upstreamSchema],
  ] as const)("%s names the properties of APISIX's schema_def.lua, and no other", (name, schema) => {
    expect([...propertyPaths(schema)].sort()).toEqual([...propertyPaths(core[name])].sort());
  });

  it('the injected _meta too', () => {
    const injected = (core['plugin_injected_schema'] as { _meta: unknown })._meta;
    expect([...propertyPaths(pluginMetaSchema)].sort()).toEqual([...propertyPaths(injected)].sort());
  });
});

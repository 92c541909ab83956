/**
 * The JSON Schemas in schemas/ are the source of truth; the TypeScript views in
 * src/model/config.ts must list the same keys, and every schema must compile and accept the
 * bundled example.
 */
import { describe, expect, it } from 'vitest';
import { TARGET_TIMEOUT_KEYS } from '../src/model/target.js';
import { GROUP_KEYS, OVERLAY_KEYS, OVERLAY_UPSTREAM_KEYS, ROUTE_KEYS, TEMPLATE_KEYS, UPSTREAM_KEYS } from '../src/model/config.js';
import { readSchema, schemaErrors } from '../src/validate/schemas.js';
import { parse } from 'yaml';
import { exampleFiles } from './support/example-repo.js';

type Schema = { properties?: Record<string, Schema>; $defs?: Record<string, Schema> };

const keys = (s: Schema | undefined) => Object.keys(s?.properties ?? {}).sort();
const sorted = (a: readonly string[]) => [...a].sort();

describe('schemas and types agree', () => {
  const service = readSchema('service') as Schema;
  const overlay = readSchema('overlay') as Schema;
  const group = readSchema('group') as Schema;

  it('service template keys', () => {
    expect(keys(service)).toEqual(sorted(TEMPLATE_KEYS));
    expect(keys(service.$defs?.['upstream'])).toEqual(sorted(UPSTREAM_KEYS));
    expect(keys(service.$defs?.['route'])).toEqual(sorted(ROUTE_KEYS));
  });

  it('overlay keys', () => {
    expect(keys(overlay)).toEqual(sorted(OVERLAY_KEYS));
    expect(keys(overlay.properties?.['upstream'])).toEqual(sorted(OVERLAY_UPSTREAM_KEYS));
  });

  it('group keys', () => {
    expect(keys(group)).toEqual(sorted(GROUP_KEYS));
    expect(keys(group.$defs?.['timeouts'])).toEqual(sorted(TARGET_TIMEOUT_KEYS));
  });

  it('the bundled example passes its schemas', () => {
    for (const [path, text] of Object.entries(exampleFiles())) {
      const kind = path.endsWith('/service.yaml') ? 'service' : path.endsWith('/group.yaml') ? 'group' : 'overlay';
      expect({ path, errors: schemaErrors(kind, parse(text)) }).toEqual({ path, errors: [] });
    }
  });
});

/**
 * The validators `npm run build` compiles ahead of time (dist/core/compiled/, loaded by
 * src/core/compiled-validators.ts) give the same verdicts and the same errors as the validators compiled
 * at run time from the same schemas. `npm test` builds before it runs the tests.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ValidateFunction } from 'ajv';
import { describe, expect, it } from 'vitest';
import { APISIX_FORMATS, apisixObjectSchemas, createApisixAjv } from '../src/apisix/validator/schema.js';
import { apisixSchemasFile, splitSchemaUnits } from '../src/apisix/validator/apisix-schemas.js';
import { unitSchemas, validatorUnits } from '../src/apisix/validator/unit-validators.js';
import { createFileAjv, fileSchemas, readSchema, SCHEMA_KINDS } from '../src/validate/schemas.js';
import { exampleFiles } from './support/example-repo.js';
import { parseYamlFile } from '../src/load/yaml-file.js';
import { oracleCases } from './support/oracle-cases.js';

interface Case {
  readonly kind: string;
  readonly body: Record<string, unknown>;
}
// The built module: it finds the generated files next to itself (the sources have none).
const { loadCompiled } = (await import(new URL('../dist/core/compiled-validators.js', import.meta.url).href)) as typeof import('../src/core/compiled-validators.js');
const cases = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, 'fixtures', 'apisix-cases.json'), 'utf8')) as Case[];
const oracle = oracleCases() as readonly Case[];

/** Verdict and errors of both validators on each value; they must be equal. */
function compare(ahead: ValidateFunction, runtime: ValidateFunction, values: readonly unknown[]): number {
  let invalid = 0;
  for (const value of values) {
    const a = ahead(value);
    const b = runtime(value);
    if (!b) invalid += 1;
    expect({ valid: a, errors: ahead.errors ?? null }).toEqual({ valid: b, errors: runtime.errors ?? null });
  }
  return invalid;
}

describe('validators compiled ahead of time', () => {
  it('were built, for every schema', () => {
    expect(Object.keys(loadCompiled('files', fileSchemas()) ?? {}).sort()).toEqual([...SCHEMA_KINDS].sort());
    expect(Object.keys(loadCompiled('apisix', apisixObjectSchemas(), APISIX_FORMATS) ?? {}).sort()).toEqual(Object.keys(apisixObjectSchemas()).sort());
    const units = validatorUnits();
    expect(units.length).toBeGreaterThan(107);
    for (const unit of units) {
      const schemas = unitSchemas(unit)!;
      expect({ unit, roles: Object.keys(loadCompiled(`apisix/${unit}`, schemas, APISIX_FORMATS) ?? {}).sort() }).toEqual({ unit, roles: Object.keys(schemas).sort() });
    }
  });

  it("split APISIX's schemas file into units, each as the whole file has it", () => {
    const dir = new URL('../dist/apisix/validator/data/units/', import.meta.url);
    for (const [unit, value] of splitSchemaUnits(apisixSchemasFile())) {
      expect({ unit, value: JSON.parse(fs.readFileSync(new URL(`${unit}.unit`, dir), 'utf8')) as unknown }).toEqual({ unit, value });
    }
  });

  it('are not used when made from other schemas', () => {
    const objects = apisixObjectSchemas();
    const changed = { ...objects, route: { ...objects.route, minProperties: 1 } };
    expect(loadCompiled('apisix', changed, APISIX_FORMATS)).toBeNull();
    expect(loadCompiled('files', { ...fileSchemas(), extra: {} })).toBeNull();
  });

  it("APISIX's objects: the conformance cases, and each with a field broken", () => {
    const ahead = loadCompiled('apisix', apisixObjectSchemas(), APISIX_FORMATS)!;
    const ajv = createApisixAjv();
    let invalid = 0;
    for (const [name, schema] of Object.entries(apisixObjectSchemas())) {
      const runtime = ajv.compile(schema);
      const bodies = cases.filter((c) => `${c.kind}` === name).map((c) => c.body);
      const broken = bodies.map((b) => ({ ...b, id: {}, extra_field: 1 }));
      invalid += compare(ahead[name]!, runtime, [...bodies, ...broken, {}, [], 'x', { nodes: { '1.1.1.1:80': 1 }, type: 'chash' }]);
    }
    const kinds: Record<string, string> = { consumer: 'consumers', credential: 'credentials', ssl: 'ssls', global_rule: 'global_rules', plugin_config: 'plugin_configs', consumer_group: 'consumer_groups', stream_route: 'stream_routes' };
    for (const [name, kind] of Object.entries(kinds)) {
      const schemas = unitSchemas(`core/${name}`)!;
      const bodies = oracle.filter((c) => c.kind === kind).map((c) => c.body);
      invalid += compare(loadCompiled(`apisix/core/${name}`, schemas, APISIX_FORMATS)!.schema!, ajv.compile(schemas.schema!), [...bodies, {}, [], 'x']);
    }
    expect(invalid).toBeGreaterThan(100);
  });

  it('plugin configurations found in the conformance and oracle cases, and broken ones', () => {
    const confs = new Map<string, unknown[]>();
    const visit = (value: unknown): void => {
      if (typeof value !== 'object' || value === null) return;
      const plugins = (value as { plugins?: unknown }).plugins;
      if (typeof plugins === 'object' && plugins !== null) {
        for (const [name, conf] of Object.entries(plugins)) confs.set(name, [...(confs.get(name) ?? []), conf]);
      }
      for (const v of Object.values(value)) visit(v);
    };
    [...cases, ...oracle].forEach((c) => visit(c.body));
    const ajv = createApisixAjv();
    let compared = 0;
    for (const unit of validatorUnits().filter((u) => u.startsWith('plugin/'))) {
      const schemas = unitSchemas(unit)!;
      const ahead = loadCompiled(`apisix/${unit}`, schemas, APISIX_FORMATS)!;
      const found = confs.get(unit.slice('plugin/'.length)) ?? [];
      const values = [...found, {}, [], { _meta: { disable: 'yes' } }, { unknown: true }, 12, '$env://X', { allow: ['$secret://a/b'] }];
      for (const [role, schema] of Object.entries(schemas)) compare(ahead[role]!, ajv.compile(schema), values);
      compared += values.length;
    }
    expect(compared).toBeGreaterThan(107 * 7);
  });

  it("tagway's file schemas: the example's files, and broken copies", () => {
    const ahead = loadCompiled('files', fileSchemas())!;
    const ajv = createFileAjv();
    const parsed = Object.entries(exampleFiles()).flatMap(([file, text]) => {
      const result = parseYamlFile({ path: file, bytes: Buffer.from(text) });
      return result.ok ? [result.file.data as Record<string, unknown>] : [];
    });
    for (const kind of SCHEMA_KINDS) {
      const runtime = ajv.compile(readSchema(kind));
      compare(ahead[kind]!, runtime, [...parsed, ...parsed.map((d) => ({ ...d, name: 'Not A Name!', routes: 'x', extra: 1 })), {}, null]);
    }
  });
});

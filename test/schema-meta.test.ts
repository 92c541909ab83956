/**
 * Every JSON Schema tagway ships or compiles is valid against its meta-schema. Checked here,
 * once, so that the validators can be compiled at run time without checking it again
 * (`validateSchema: false` in src/validate/schemas.ts and src/apisix/validator/).
 */
import { createRequire } from 'node:module';
import { Ajv } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { apisixObjectSchemas } from '../src/apisix/validator/schema.js';
import { unitSchemas, validatorUnits } from '../src/apisix/validator/unit-validators.js';
import { readSchema, SCHEMA_KINDS } from '../src/validate/schemas.js';

const addFormats = createRequire(import.meta.url)('ajv-formats') as (ajv: Ajv2020) => Ajv2020;

describe('shipped schemas against their meta-schema', () => {
  it('schemas/*.schema.json (draft 2020-12)', () => {
    const ajv = new Ajv2020({ strict: true, strictRequired: false, allowUnionTypes: true });
    addFormats(ajv);
    for (const name of ['defs', ...SCHEMA_KINDS] as const) {
      const valid = ajv.validateSchema(readSchema(name));
      expect({ name, errors: valid ? null : ajv.errors }).toEqual({ name, errors: null });
    }
  });

  it("APISIX's object, plugin, secret manager and kind schemas, as compiled (draft-07)", () => {
    const ajv = new Ajv({ strict: true, allowUnionTypes: true });
    for (const [name, schema] of Object.entries(apisixObjectSchemas())) {
      expect({ name, valid: ajv.validateSchema(schema) }).toEqual({ name, valid: true });
    }
    for (const unit of validatorUnits()) {
      for (const [role, schema] of Object.entries(unitSchemas(unit)!)) {
        expect({ unit, role, valid: ajv.validateSchema(schema), errors: ajv.errors ?? null }).toEqual({ unit, role, valid: true, errors: null });
      }
    }
  });

  it('a broken schema is caught (the check can fail)', () => {
    const ajv = new Ajv({ strict: true });
    expect(ajv.validateSchema({ type: 'strnig' })).toBe(false);
  });
});

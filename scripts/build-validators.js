// Part of `npm run build` (after tsc): writes the standalone code of every validator tagway uses
// to dist/core/compiled/<set>.cjs, from the built modules and the same ajv options the tool
// compiles them with at run time (see src/core/compiled-validators.ts); and puts APISIX's schemas
// file beside the built validator, whole and split into the units a process reads one by one
// (src/apisix/validator/apisix-schemas.ts). Deterministic: the same build gives the same files.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const dist = path.join(root, 'dist');
const standaloneCode = createRequire(import.meta.url)('ajv/dist/standalone').default;
const { compiledHeader } = await import(new URL('../dist/core/compiled-validators.js', import.meta.url).href);
const { createFileAjv, fileSchemas, readSchema, SCHEMA_KINDS } = await import(new URL('../dist/validate/schemas.js', import.meta.url).href);
const { createApisixAjv, apisixObjectSchemas } = await import(new URL('../dist/apisix/validator/schema.js', import.meta.url).href);

// APISIX's schemas file and its attribution, whole and by unit, before anything reads them.
const data = path.join(root, 'src', 'apisix', 'validator', 'data');
const distData = path.join(dist, 'apisix', 'validator', 'data');
fs.mkdirSync(distData, { recursive: true });
for (const file of ['apisix-schemas.json', 'apisix-schemas.NOTICE.md']) fs.copyFileSync(path.join(data, file), path.join(distData, file));
const { apisixSchemasFile, splitSchemaUnits } = await import(new URL('../dist/apisix/validator/apisix-schemas.js', import.meta.url).href);
fs.rmSync(path.join(distData, 'units'), { recursive: true, force: true });
for (const [unit, value] of splitSchemaUnits(apisixSchemasFile())) write(path.join(distData, 'units', `${unit}.unit`), JSON.stringify(value));

const { unitSchemas, validatorUnits } = await import(new URL('../dist/apisix/validator/unit-validators.js', import.meta.url).href);

/**
 * Adds each schema under its name and returns the module's code (`exports[name]` is its
 * validator), headed by the digest of `made` (the schemas the set is made from, as the tool
 * names them when it loads the set).
 */
function generate(ajv, schemas, made) {
  const refs = {};
  for (const [name, schema] of schemas) {
    const id = `tagway:${name}`;
    ajv.addSchema(schema, id);
    refs[name] = id;
  }
  return `${compiledHeader(made)}${standaloneCode(ajv, refs)}`;
}

function write(file, text) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
}

const out = path.join(dist, 'core', 'compiled');
fs.rmSync(out, { recursive: true, force: true });
const objects = apisixObjectSchemas();
const sets = {
  files: generate(createFileAjv({ source: true }), SCHEMA_KINDS.map((kind) => [kind, readSchema(kind)]), fileSchemas()),
  apisix: generate(createApisixAjv({ source: true }), Object.entries(objects), objects),
};
for (const unit of validatorUnits()) {
  const schemas = unitSchemas(unit);
  sets[`apisix/${unit}`] = generate(createApisixAjv({ source: true }), Object.entries(schemas), schemas);
}
for (const [name, code] of Object.entries(sets)) write(path.join(out, `${name}.cjs`), `${code}\n`);

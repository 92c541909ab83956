// Part of `npm run build` (after tsc): writes the standalone code of every validator tagway uses
// to dist/core/compiled/<set>.cjs, from the built modules and the same ajv options the
// tool compiles them with at run time (see src/core/compiled-validators.ts). Deterministic: the same
// build gives the same files.
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
const { CHECKED_PLUGINS, createPluginAjv, pluginSchema, pluginSchemas } = await import(new URL('../dist/apisix/validator/plugin-checks.js', import.meta.url).href);

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

const sets = {
  files: generate(createFileAjv({ source: true }), SCHEMA_KINDS.map((kind) => [kind, readSchema(kind)]), fileSchemas()),
  apisix: generate(createApisixAjv({ source: true }), Object.entries(apisixObjectSchemas()), apisixObjectSchemas()),
  plugins: generate(createPluginAjv({ source: true }), CHECKED_PLUGINS.map((name) => [name, pluginSchema(name)]), pluginSchemas()),
};
const out = path.join(dist, 'core', 'compiled');
fs.mkdirSync(out, { recursive: true });
for (const [name, code] of Object.entries(sets)) fs.writeFileSync(path.join(out, `${name}.cjs`), `${code}\n`);

/**
 * Validators compiled ahead of time. `npm run build` writes the standalone code of every
 * validator tagway uses (scripts/build-validators.js) to `dist/core/compiled/<set>.cjs`; a
 * process then loads a set instead of compiling its schemas, which takes far longer (figures in
 * docs/performance.md, "Validators are compiled ahead of time"). Run from the sources, or when a file is missing, unreadable or
 * made from other schemas (its first line names the digest of the schemas it was made from),
 * there is nothing to load and the schemas are compiled as before: the same validators, by the
 * same ajv options (the tests compare the two).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import type { ValidateFunction } from 'ajv';

/** A set's name; `apisix/<unit>` for the units of APISIX's schemas file (one file each, loaded on demand). */
export type CompiledSet = 'files' | 'apisix' | `apisix/${string}`;

/** The module name the generated code asks for custom formats by (`FORMATS_MODULE` in ajv options). */
export const FORMATS_MODULE = 'tagway:formats';

const requireHere = createRequire(import.meta.url);

/** The first line of a generated set: the digest of the schemas it was made from. */
export function compiledHeader(schemas: unknown): string {
  return `// schemas ${createHash('sha256').update(JSON.stringify(schemas)).digest('hex')}\n`;
}

/**
 * The validators of `set` by name, or null when none were generated from exactly `schemas` (the
 * list the build made them from). `formats` answers the generated code's requests for the custom
 * formats.
 */
export function loadCompiled(
  set: CompiledSet,
  schemas: unknown,
  formats: Readonly<Record<string, unknown>> = {},
): Readonly<Record<string, ValidateFunction>> | null {
  let code: string;
  try {
    code = fs.readFileSync(new URL(`./compiled/${set}.cjs`, import.meta.url), 'utf8');
  } catch {
    return null;
  }
  if (!code.startsWith(compiledHeader(schemas))) return null;
  const module: { exports: Record<string, ValidateFunction> } = { exports: {} };
  const load = (id: string): unknown => (id === FORMATS_MODULE ? formats : requireHere(id));
  // The build's own output, read from the tool's folder: evaluated as the module it was written as.
  new Function('require', 'module', 'exports', code)(load, module, module.exports);
  return module.exports;
}

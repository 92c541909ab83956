/**
 * ADC's own JSON Schema of its configuration file (vendored: test/fixtures/adc/README.md), to
 * check that what tagway writes as ADC is what ADC takes, and that test inputs are real ADC files.
 */
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const Ajv2020 = (require('ajv/dist/2020') as { default: new (o: object) => { compile(s: object): ((d: unknown) => boolean) & { errors?: unknown[] | null } } }).default;
const schema = JSON.parse(fs.readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/adc/schema.json'), 'utf8')) as object;
// Formats (ipv4, cidr…) are left unchecked: ajv knows none of them without ajv-formats.
const validate = new Ajv2020({ strict: false, allErrors: true, validateFormats: false, logger: false }).compile(schema);

/**
 * ADC's schema errors of `document` (empty: ADC takes it), checked as `adc lint` checks a file:
 * after putting each `${NAME}` in a value (not `\${NAME}`) the value of `env[NAME]`, or nothing.
 */
export function adcSchemaErrors(document: unknown, env: Readonly<Record<string, string>> = {}): unknown[] {
  const filled = fillEnv(document, env);
  return validate(filled) ? [] : [...(validate.errors ?? [])];
}

function fillEnv(value: unknown, env: Readonly<Record<string, string>>): unknown {
  if (typeof value === 'string') {
    return value
      .replace(/(?<!\\)\$\{(\w+)\}/g, (_m, name: string) => env[name] ?? '')
      .replace(/\\\$\{(\w+)\}/g, (_m, name: string) => `\${${name}}`);
  }
  if (Array.isArray(value)) return value.map((v) => fillEnv(v, env));
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fillEnv(v, env)]));
  return value;
}

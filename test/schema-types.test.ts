/**
 * The JSON Schemas in schemas/ are the source of truth; the TypeScript views in
 * src/model/config.ts must list the same keys, and every schema must compile and accept the
 * bundled example.
 */
import { describe, expect, it } from 'vitest';
import { CONFIG_KEYS, CONSUMER_GROUP_KEYS, CONSUMER_KEYS, GLOBAL_RULE_KEYS, GROUP_KEYS, OVERLAY_KEYS, OVERLAY_UPSTREAM_KEYS, PLUGIN_CONFIG_KEYS, ROUTE_KEYS, SECRET_MANAGER_KEYS, SSL_KEYS, STREAM_ROUTE_KEYS, TEMPLATE_KEYS, TRUSTED_KEY_KEYS, UPSTREAM_KEYS } from '../src/model/config.js';
import { SIGNATURE_FORMAT, SIGNATURE_KEYS, STATEMENT_KEYS } from '../src/model/signature.js';
import { CHECKS_KEYS, METRICS_CHECK_KEYS, PROBE_KEYS, TARGET_TIMEOUT_KEYS } from '../src/model/target.js';
import { KIND_NAMES } from '../src/apisix/kinds/index.js';
import { readSchema, schemaErrors, type SchemaKind } from '../src/validate/schemas.js';
import { classifyPath } from '../src/load/layout.js';
import { parse } from 'yaml';
import { exampleFiles } from './support/example-repo.js';

type Schema = { properties?: Record<string, Schema>; $defs?: Record<string, Schema>; items?: Schema; const?: unknown };

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
    expect(keys(service.$defs?.['pluginConfig'])).toEqual(sorted(PLUGIN_CONFIG_KEYS));
    expect(keys(service.$defs?.['streamRoute'])).toEqual(sorted(STREAM_ROUTE_KEYS));
  });

  it('overlay keys', () => {
    expect(keys(overlay)).toEqual(sorted(OVERLAY_KEYS));
    expect(keys(overlay.properties?.['upstream'])).toEqual(sorted(OVERLAY_UPSTREAM_KEYS));
  });

  it('group keys', () => {
    expect(keys(group)).toEqual(sorted(GROUP_KEYS));
    expect(keys(group.$defs?.['timeouts'])).toEqual(sorted(TARGET_TIMEOUT_KEYS));
    expect(keys(group.properties?.['checks'])).toEqual(sorted(CHECKS_KEYS));
    expect(keys(group.$defs?.["probe"])).toEqual(sorted(PROBE_KEYS));
    expect(keys(group.properties?.["checks"]?.properties?.["metrics"])).toEqual(sorted(METRICS_CHECK_KEYS));
  });

  it('consumer and consumer group keys', () => {
    expect(keys(readSchema('consumer') as Schema)).toEqual(sorted(CONSUMER_KEYS));
    expect(keys(readSchema('consumer-group') as Schema)).toEqual(sorted(CONSUMER_GROUP_KEYS));
    expect(keys(readSchema('secret-manager') as Schema)).toEqual(sorted(SECRET_MANAGER_KEYS));
    expect(keys(readSchema('ssl') as Schema)).toEqual(sorted(SSL_KEYS));
  });

  it('global rule keys, and plugin metadata\'s only key of its own', () => {
    expect(keys(readSchema('global-rule') as Schema)).toEqual(sorted(GLOBAL_RULE_KEYS));
    expect(keys(readSchema('plugin-metadata') as Schema)).toEqual(['labels']);
  });

  it('tagway.yaml keys, and those of a trusted key', () => {
    const config = readSchema('config') as Schema;
    expect(keys(config)).toEqual(sorted(CONFIG_KEYS));
    expect(keys(config.properties?.['trusted_keys']?.items)).toEqual(sorted(TRUSTED_KEY_KEYS));
  });

  it('signature file keys, and those of its statement', () => {
    const signature = readSchema('signature') as Schema;
    expect(keys(signature)).toEqual(sorted(SIGNATURE_KEYS));
    expect(keys(signature.properties?.['statement'])).toEqual(sorted(STATEMENT_KEYS));
    expect(signature.properties?.['format']?.const).toBe(SIGNATURE_FORMAT);
  });

  it('snapshot files list every registered kind', () => {
    const snapshot = readSchema('snapshot') as Schema;
    expect(keys(snapshot.properties?.['apisix'])).toEqual(sorted(KIND_NAMES));
  });

  it('the bundled example passes its schemas', () => {
    for (const [path, text] of Object.entries(exampleFiles())) {
      const role = classifyPath(path).kind;
      const kind = role === 'template' ? 'service' : (role as SchemaKind);
      expect({ path, errors: schemaErrors(kind, parse(text)) }).toEqual({ path, errors: [] });
    }
  });
});

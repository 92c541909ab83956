/**
 * Plugin metadata carries tagway's ownership labels as an extra property: every plugin APISIX
 * bundles with a metadata schema must accept them, and its secret fields are the schemas' own.
 */
import { describe, expect, it } from 'vitest';
import { apisixSchemasFile } from '../validator/apisix-schemas.js';
import { metadataSchemaOf, validateApisixObject } from '../validator/index.js';
import { PLUGIN_METADATA } from './plugin-metadata.js';

const owner = { 'managed-by': 'tagway', 'tagway.group': 'staging' };
const withMetadata = Object.keys(apisixSchemasFile().plugins).filter((name) => metadataSchemaOf(name) !== undefined).sort();

describe('plugin metadata', () => {
  it('is known for the plugins that declare a metadata schema', () => {
    expect(withMetadata).toContain('http-logger');
    expect(withMetadata).toContain('prometheus');
    expect(metadataSchemaOf('key-auth')).toBeUndefined();
    expect(metadataSchemaOf('no-such-plugin')).toBeUndefined();
  });

  for (const plugin of withMetadata) {
    it(`${plugin}: APISIX takes the ownership labels beside the metadata`, () => {
      const result = validateApisixObject('plugin_metadata', { id: plugin, labels: owner }, { id: plugin });
      expect(result.errors.filter((e) => e.pointer === '/labels' || e.pointer === '/id')).toEqual([]);
    });
  }

  it('is owned by its labels', () => {
    expect(PLUGIN_METADATA.ownership.claimedBy({ id: 'http-logger', labels: owner })).toBe('staging');
    expect(PLUGIN_METADATA.ownership.claimedBy({ id: 'http-logger', log_format: {} })).toBeNull();
  });

  it('masks the encrypted fields of every metadata schema', () => {
    const encrypted = withMetadata.flatMap((name) => {
      const fields = metadataSchemaOf(name)?.['encrypt_fields'];
      return Array.isArray(fields) ? fields.map((f) => `/${String(f).split('.').join('/')}`) : [];
    });
    expect([...new Set(encrypted)].sort()).toEqual([...PLUGIN_METADATA.secretFields].sort());
  });

  it('has secret paths by its plugin, for the fields the object holds', () => {
    const secretPaths = PLUGIN_METADATA.secretPaths!;
    expect(secretPaths({ id: 'azure-functions', master_apikey: 'env:AZURE_KEY' })).toEqual([['master_apikey']]);
    expect(secretPaths({ id: 'azure-functions' })).toEqual([]);
    expect(secretPaths({ id: 'http-logger', master_apikey: 'x' })).toEqual([]);
    expect(secretPaths({ master_apikey: 'x' })).toEqual([]);
  });
});

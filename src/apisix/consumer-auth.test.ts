import { describe, expect, it } from 'vitest';
import { CONSUMER_KEY_FIELDS } from './consumer-auth.js';
import { schemaUnit } from './validator/apisix-schemas.js';

describe('CONSUMER_KEY_FIELDS', () => {
  it.each(Object.entries(CONSUMER_KEY_FIELDS))('%s is an auth plugin whose consumer configuration has %s', (plugin, field) => {
    const raw = schemaUnit(`plugin/${plugin}`)!;
    expect(raw.type).toBe('auth');
    const schema = (raw.consumer_schema ?? raw.schema) as { properties?: Record<string, unknown> };
    expect(Object.keys(schema.properties ?? {})).toContain(field);
  });
});

import { describe, expect, it } from 'vitest';
import { CONSUMER_KEY_FIELDS, consumerLookupPlugins } from './consumer-auth.js';
import { schemaUnit } from './validator/apisix-schemas.js';

describe('CONSUMER_KEY_FIELDS', () => {
  it.each(Object.entries(CONSUMER_KEY_FIELDS))('%s is an auth plugin whose consumer configuration has %s', (plugin, field) => {
    const raw = schemaUnit(`plugin/${plugin}`)!;
    expect(raw.type).toBe('auth');
    const schema = (raw.consumer_schema ?? raw.schema) as { properties?: Record<string, unknown> };
    expect(Object.keys(schema.properties ?? {})).toContain(field);
  });
});

describe('consumerLookupPlugins', () => {
  it.each<[string, string, unknown, string[]]>([
    ['key-auth looks among the consumers with key-auth', 'key-auth', {}, ['key-auth']],
    ['ldap-auth-advanced requires a consumer by default', 'ldap-auth-advanced', { ldap_uri: 'ldap:389' }, ['ldap-auth-advanced']],
    ['an anonymous consumer lets a request through', 'basic-auth', { anonymous_consumer: 'guest' }, []],
    ['ldap-auth-advanced with consumer_required: false', 'ldap-auth-advanced', { consumer_required: false }, []],
    ['jwe-decrypt with strict: false passes requests without a token', 'jwe-decrypt', { strict: false }, []],
    ['a plugin that finds no consumer', 'limit-count', { count: 1 }, []],
    ['multi-auth: any of its plugins', 'multi-auth', { auth_plugins: [{ 'key-auth': {} }, { 'jwt-auth': {} }, { 'key-auth': {} }] }, ['key-auth', 'jwt-auth']],
    ['multi-auth with a plugin that needs no consumer', 'multi-auth', { auth_plugins: [{ 'key-auth': {} }, { 'openid-connect': {} }] }, []],
    ['multi-auth without a list', 'multi-auth', {}, []],
  ])('%s', (_name, plugin, conf, expected) => {
    expect(consumerLookupPlugins(plugin, conf)).toEqual(expected);
  });
});

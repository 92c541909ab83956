import { describe, expect, it } from 'vitest';
import { MASKED, MASKED_CHANGED, isSecretKey, looksLikeSecret, maskSecretPair, maskSecrets } from './classify.js';

describe('isSecretKey', () => {
  it.each([
    'password',
    'redis_password',
    'client_secret',
    'secret_key',
    'access_key_secret',
    'api_key',
    'X-API-Key',
    'apikey',
    'private_key',
    'client_key',
    'clientSecret',
    'Authorization',
    'token',
    'credentials',
    'passphrase',
  ])('%s names a secret', (key) => expect(isSecretKey(key)).toBe(true));

  it.each(['key', 'key_type', 'cache_key', 'hash_on', 'token_endpoint', 'token_ttl', 'secret_type', 'auth_header', 'client_id', 'keepalive_pool', 'pass_host', 'key-auth'])(
    '%s does not',
    (key) => expect(isSecretKey(key)).toBe(false),
  );
});

describe('looksLikeSecret', () => {
  it.each([
    'Bearer abc.def',
    'Basic dXNlcjpwYXNz',
    '-----BEGIN RSA PRIVATE KEY-----\nMIIB...',
    'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
    'redis://app:hunter2@redis.internal:6379',
    'ghp_0123456789abcdefghijABCDEFGHIJ012345',
    'AKIAIOSFODNN7EXAMPLE',
    'edd1c9f034335f136f87ad84b625c8f1',
    'q8Zt3kP0vX7mN2bW5cR9yL4hJ6gF1dSa',
  ])('%s looks like a secret', (value) => expect(looksLikeSecret(value)).toBe(true));

  it.each([
    '$env://UPSTREAM_TOKEN',
    '$secret://vault/gateway/token',
    'https://petstore.example.com',
    'remote_addr',
    '/catalog/products/by-category/and-sub-category/1234',
    'X-Customer-Id',
    'GET,POST,PUT,DELETE',
    'api.staging.example.com',
  ])('%s does not', (value) => expect(looksLikeSecret(value)).toBe(false));
});

describe('maskSecretPair', () => {
  const route = (password: string, extra: Record<string, unknown> = {}) => ({
    id: 'petstore.pet',
    plugins: {
      'proxy-rewrite': { headers: { set: { 'X-Api-Key': password, 'X-Trace': 'on', Authorization: '$env://UPSTREAM_TOKEN' } } },
      'limit-count': { count: 100, key: 'remote_addr', key_type: 'var' },
      ...extra,
    },
  });

  it('masks secrets by key name and keeps references and ordinary values visible', () => {
    const masked = maskSecrets(route('s3cr3t-value'));
    expect(masked.plugins['proxy-rewrite'].headers.set).toEqual({ 'X-Api-Key': MASKED, 'X-Trace': 'on', Authorization: '$env://UPSTREAM_TOKEN' });
    expect(masked.plugins['limit-count']).toEqual({ count: 100, key: 'remote_addr', key_type: 'var' });
  });

  it('gives an unchanged secret the same placeholder on both sides', () => {
    const { before, after, paths } = maskSecretPair(route('same'), route('same'));
    expect(before).toEqual(after);
    expect([...paths]).toEqual(['/plugins/proxy-rewrite/headers/set/X-Api-Key']);
  });

  it('marks a changed secret as changed without showing either value', () => {
    const { before, after } = maskSecretPair(route('old-secret'), route('new-secret'));
    expect(before!.plugins['proxy-rewrite'].headers.set['X-Api-Key']).toBe(MASKED);
    expect(after!.plugins['proxy-rewrite'].headers.set['X-Api-Key']).toBe(MASKED_CHANGED);
    expect(JSON.stringify([before, after])).not.toMatch(/old-secret|new-secret/);
  });

  it('masks a secret replaced by a reference on the side that holds it only', () => {
    const { before, after } = maskSecretPair({ token: 'literal-token' }, { token: '$secret://vault/t' });
    expect(before).toEqual({ token: MASKED });
    expect(after).toEqual({ token: '$secret://vault/t' });
  });

  it('masks every scalar below a secret key, but not booleans', () => {
    const masked = maskSecrets({ credentials: { user: 'admin', pin: 1234, rotate: true }, hide_credentials: true });
    expect(masked).toEqual({ credentials: { user: MASKED, pin: MASKED, rotate: true }, hide_credentials: true });
  });

  it('masks fields APISIX encrypts whose names say nothing (csrf.key)', () => {
    expect(maskSecrets({ plugins: { csrf: { key: 'abc', expires: 7200 } } })).toEqual({ plugins: { csrf: { key: MASKED, expires: 7200 } } });
  });

  it('does not take plugin names for field names', () => {
    expect(maskSecrets({ plugins: { 'key-auth': {}, 'jwt-auth': { header: 'authorization' } } })).toEqual({
      plugins: { 'key-auth': {}, 'jwt-auth': { header: 'authorization' } },
    });
  });

  it('masks the value of a vars condition on a secret variable', () => {
    const masked = maskSecrets({ vars: [['http_x_api_key', '==', 'k-123'], ['arg_page', '==', '2'], ['http_authorization', '!', '~~', 'Bearer .*']] });
    expect(masked).toEqual({ vars: [['http_x_api_key', '==', MASKED], ['arg_page', '==', '2'], ['http_authorization', '!', '~~', MASKED]] });
  });

  it('masks values that look like secrets under any key, and leaves the inputs alone', () => {
    const input = { upstream: { tls: { client_cert: 'cert', client_key: 'pem' } }, desc: 'Bearer abcdef' };
    const copy = structuredClone(input);
    expect(maskSecrets(input)).toEqual({ upstream: { tls: { client_cert: 'cert', client_key: MASKED } }, desc: MASKED });
    expect(input).toEqual(copy);
  });
});

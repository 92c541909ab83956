/**
 * The masker's vocabulary, word by word and pattern by pattern: every entry of the lists in
 * classify.ts has a case here, so dropping one (or a pattern that stops matching) fails a test.
 */
import { describe, expect, it } from 'vitest';
import { MASKED, isSecretKey, looksLikeSecret, maskSecrets } from './classify.js';

describe('key names', () => {
  const secretWords = ['password', 'passwd', 'pwd', 'passphrase', 'secret', 'secrets', 'token', 'tokens', 'credential', 'credentials', 'authorization', 'apikey', 'privatekey'];
  const qualifiers = ['api', 'private', 'access', 'client', 'signing', 'sign', 'encryption', 'master', 'auth', 'admin', 'hmac', 'shared'];
  const settings = ['endpoint', 'endpoints', 'url', 'uri', 'type', 'ttl', 'timeout', 'expires', 'expire', 'expiry', 'alg', 'algorithm', 'method', 'methods', 'name', 'names', 'header', 'field', 'location', 'position', 'length', 'size', 'path', 'prefix', 'format', 'mode'];
  const cases: ReadonlyArray<readonly [string, boolean]> = [
    ...secretWords.flatMap((w) => [[w, true], [`upstream_${w}`, true]] as const),
    ...qualifiers.flatMap((q) => [[`${q}_key`, true], [`${q}Key`, true], [q, false]] as const),
    ...settings.map((s) => [`secret_${s}`, false] as const),
    ['secret_value', true],
    ['cache_key', false],
    ['key_api', false],
    ['', false],
    ['__', false],
  ];
  for (const [key, secret] of cases) {
    it(`${JSON.stringify(key)} ${secret ? 'names' : 'does not name'} a secret`, () => {
      expect(isSecretKey(key)).toBe(secret);
    });
  }
});

describe('values', () => {
  const cases: ReadonlyArray<readonly [string, boolean]> = [
    ['bearer x', true],
    ['Token abc', true],
    ['Digest username="a"', true],
    ['Basic', false],
    ['-----BEGIN PRIVATE KEY-----', true],
    ['-----BEGIN EC PRIVATE KEY-----', true],
    ['-----BEGIN CERTIFICATE-----', false],
    ['eyJhbGciOiJ.eyJzdWIiOi.', true],
    ['eyJhbGci.eyJzdWIiOi.sig', false],
    ['amqp+ssl://user:pa55@mq', true],
    ['https://user@host', false],
    ['gho_0123456789abcdefghij', true],
    ['ghu_0123456789abcdefghij', true],
    ['ghs_0123456789abcdefghij', true],
    ['ghr_0123456789abcdefghij', true],
    ['ghp_0123456789abcdefghi', false],
    ['github_pat_0123456789abcdefghij', true],
    ['glpat-0123456789abcdefghij', true],
    ['sk-0123456789abcdefghij', true],
    ['sk_live_0123456789', true],
    ['sk_test_0123456789', true],
    ['xoxb-0123456789', true],
    ['xoxp-0123456789', true],
    ['AKIA0123456789ABCDEF', true],
    ['AKIA0123456789ABCDE', false],
    ['AIza012345678901234567890123456789', true],
    ['$env://TOKEN', false],
    ['$secret://vault/token', false],
    ['env:API_TOKEN', false],
    // 32 characters at least, and random-looking.
    ['0123456789abcdef0123456789abcdef', true],
    ['0123456789abcdef0123456789abcde', false],
    ['abcdefabcdefabcdefabcdefabcdefab', false],
    ['01234567890123456789012345678901', false],
    ['/q8Zt3kP0vX7mN2bW5cR9yL4hJ6gF1dSa', false],
    ['q8zt3kp0vx7mn2bw5cr9yl4hj6gf1dsa', false],
    ['Q8ZT3KP0VX7MN2BW5CR9YL4HJ6GF1DSA', false],
    ['qZtkPvXmNbWcRyLhJgFdSaqZtkPvXmNb', false],
    ['q8Zt3kP0vX7mN2bW5cR9yL4hJ6gF1d-_', true],
    ['q8Zt3kP0vX7mN2bW5cR9yL4hJ6gF1d.a', false],
    // The patterns hold for the whole value, from its first character.
    ['use bearer tokens', false],
    ['Bearer  two-spaces', true],
    ['x.eyJhbGciOiJ.eyJzdWIiOi.', false],
    ['eyJhbGciOiJ.eyJzdWIiOi.sig nature', false],
    ['see redis://app:pw@redis for details', false],
    ['my ghp_0123456789abcdefghij', false],
    ['ghp_0123456789abcdefghij!', false],
    ['AIza0', false],
    ['AIza______________________________', true],
    ['0123456789abcdef0123456789abcdef!', false],
  ];
  for (const [value, secret] of cases) {
    it(`${JSON.stringify(value)} ${secret ? 'looks' : 'does not look'} like a secret`, () => {
      expect(looksLikeSecret(value)).toBe(secret);
    });
  }
});

describe('masking', () => {
  const cases: ReadonlyArray<{ readonly name: string; readonly input: unknown; readonly masked: unknown }> = [
    {
      name: 'the key of key-auth, which APISIX encrypts',
      input: { plugins: { 'key-auth': { key: 'k-1', header: 'apikey' } } },
      masked: { plugins: { 'key-auth': { key: MASKED, header: 'apikey' } } },
    },
    { name: 'a key field of another plugin stays', input: { plugins: { 'limit-count': { key: 'remote_addr' } } }, masked: { plugins: { 'limit-count': { key: 'remote_addr' } } } },
    { name: 'a plugin secret field below its top level stays by name only', input: { plugins: { csrf: { nested: { key: 'k' } } } }, masked: { plugins: { csrf: { nested: { key: 'k' } } } } },
    { name: 'a reference under a secret key stays', input: { password: 'env:REDIS_PASSWORD' }, masked: { password: 'env:REDIS_PASSWORD' } },
    { name: 'an env: that is no variable name is masked', input: { password: 'env:1X' }, masked: { password: MASKED } },
    { name: 'an env: reference with more after it is masked', input: { password: 'env:NAME/x' }, masked: { password: MASKED } },
    { name: 'a value that only contains a reference is masked', input: { password: 'x$env://NAME', token: 'xenv:NAME' }, masked: { password: MASKED, token: MASKED } },
    { name: 'null under a secret key stays', input: { token: null }, masked: { token: null } },
    {
      name: 'conditions on each kind of secret variable',
      input: { vars: [['arg_token', '==', 'a'], ['cookie_session_secret', '==', 'b'], ['post_arg_password', '==', 'c'], ['remote_token', '==', 'd'], ['remote_arg_token', '==', 'e'], ['http_x_api_key', '==']] },
      masked: { vars: [['arg_token', '==', MASKED], ['cookie_session_secret', '==', MASKED], ['post_arg_password', '==', MASKED], ['remote_token', '==', 'd'], ['remote_arg_token', '==', 'e'], ['http_x_api_key', '==']] },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(maskSecrets(c.input)).toEqual(c.masked);
    });
  }
});

import { describe, expect, it } from 'vitest';
import { pcreSyntaxError, regexOptionsError, replacementTemplateError } from './pcre.js';

describe('pcreSyntaxError', () => {
  it.each([
    '^/v1/catalog/?(.*)$',
    '^/iresty/(.*)/(.*)',
    '.*\\.test\\.com$',
    '(Twitterbot)/(\\d+)\\.(\\d+)',
    '[]a]',
    '[^]a]',
    '[[:alpha:]_-]+',
    '[a-z0-9\\]-]',
    'a{2,3}?b{1,}+c{4}',
    'x{,3}',
    'a{',
    '\\{\\}\\(\\)',
    '(?:a|b)(?=c)(?!d)(?<=e)(?<!f)',
    '(?<name>a)\\k<name>(?P<other>b)(?P=other)',
    '(?i)abc(?-i:def)',
    '(?#comment)a',
    '(*UTF8)a',
    '(a)(?1)(?R)',
    'a*+b++c?+',
    '\\Q(*)\\E',
    '\\x{41}\\p{L}\\pL\\cA',
    '$secret://vault/1/re',
    '(?=a)*',
    '',
  ])('accepts %j', (pattern) => {
    expect(pcreSyntaxError(pattern)).toBeNull();
  });

  it.each([
    ['^/(a', 'missing closing parenthesis'],
    ['a)', 'unmatched closing parenthesis'],
    ['[a', 'missing terminating ] for character class'],
    ['[]', 'missing terminating ] for character class'],
    ['a\\', '\\ at end of pattern'],
    ['*bot', 'quantifier does not follow a repeatable item'],
    ['(+a)', 'quantifier does not follow a repeatable item'],
    ['a|?b', 'quantifier does not follow a repeatable item'],
    ['^*', 'quantifier does not follow a repeatable item'],
    ['\\b+', 'quantifier does not follow a repeatable item'],
    ['a**', 'quantifier does not follow a repeatable item'],
    ['a{2}{3}', 'quantifier does not follow a repeatable item'],
    ['a{3,2}', 'numbers out of order in {} quantifier'],
    ['a{70000}', 'number too big in {} quantifier'],
    ['[z-a]', 'range out of order in character class'],
    ['(?#never closed', 'missing ) after (?# comment'],
  ])('rejects %j', (pattern, message) => {
    expect(pcreSyntaxError(pattern)).toBe(message);
  });

  it('leaves constructs it cannot decide to PCRE', () => {
    expect(pcreSyntaxError('(?~a)')).toBeNull();
    expect(pcreSyntaxError('\\x{41')).toBeNull();
  });
});

describe('replacementTemplateError', () => {
  it.each(['/$1', '/${1}-$2', '/$$', 'no variables', '', '$10'])('accepts %j', (template) => {
    expect(replacementTemplateError(template)).toBeNull();
  });

  it.each(['/$x', '/${a}', '/${1', '/${}', '/$', '/$-'])('rejects %j', (template) => {
    expect(replacementTemplateError(template)).not.toBeNull();
  });
});

describe('regexOptionsError', () => {
  it.each(['', 'jo', 'jiox', 'aDdijJmosuUx'])('accepts %j', (options) => {
    expect(regexOptionsError(options)).toBeNull();
  });

  it('rejects an unknown letter', () => {
    expect(regexOptionsError('jq')).toBe('unknown flag "q" (flags "jq")');
  });
});

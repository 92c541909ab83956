import { describe, expect, it } from 'vitest';
import { checkPostArgPaths, checkVarsExpression } from './vars-expression.js';
import { checkJsonPath } from './jsonpath-syntax.js';

describe('checkVarsExpression (lua-resty-expr expr.new)', () => {
  it.each([
    [[]],
    [[['arg_name', '==', 'json'], ['arg_age', '>', 18]]],
    [[['http_user_agent', 'ios']]], // two elements: '=='
    [[['arg_a', '==']]], // a known operator and no value compiles (compares with nil)
    [['!OR', ['http_user_agent', '==', 'ios'], ['http_demo', '==', 'test']]],
    [['and', ['a', 'IN', ['1', '2']], ['b', 'HAS', 'x']]], // operators and logic in any case
    [[['arg_a', '!', '~~', '^[0-9]+$'], ['arg_b', '~*', 'x']]],
    [[[['arg_a', '==', '1'], ['arg_b', '==', '2']], ['OR', ['arg_c', '<', 1], ['arg_c', '>=', 9]]]],
    [[['remote_addr', 'ipmatch', ['10.0.0.0/8', '::1', '[fe80::1]']]]],
    [[['remote_addr', 'ipmatch', '192.168.0.1/24']]],
    [[['arg_a', '==', null]]],
    [[[1, '==', 1]]],
  ])('%j compiles', (rule) => {
    expect(checkVarsExpression(rule)).toBeNull();
  });

  it.each([
    [['arg_a', '==', '1'], '', 'rule should be wrapped inside brackets'],
    [[['arg_a', '=', '1']], '/0', "invalid operator '='"],
    [[['arg_a', 'like', '1']], '/0', "invalid operator 'like'"],
    [[['arg_a', 'not', '==', '1']], '/0', "bad 'not' expression"],
    [[['arg_a']], '/0', 'invalid expression'],
    [[[]], '/0', 'rule too short'],
    [['OR', ['arg_a', '==', '1']], '', 'rule too short'],
    [['OR'], '', 'rule too short'],
    [[['arg_a', '==', '1'], 'OR'], '/1', 'expression must be an array'],
    [[['remote_addr', 'ipmatch', '']], '/0/2', 'invalid ip address'],
    [[['remote_addr', 'ipmatch', []]], '/0/2', 'invalid ip address'],
    [[['remote_addr', 'ipmatch', ['10.0.0.1', '300.0.0.1']]], '/0/2/1', 'invalid ip address: 300.0.0.1'],
    [[['arg_a', null, '1']], '/0/1', 'expected a string, got null'],
    [[[true, '==', '1']], '/0/0', 'expected a string, got boolean'],
    ['arg_a == 1', '', 'rule must be an array'],
  ])('%j → %s: %s', (rule, pointer, message) => {
    expect(checkVarsExpression(rule)).toEqual({ pointer, message });
  });

  it('stops at cjson’s nesting depth instead of recursing forever', () => {
    const cyclic: unknown[] = [];
    cyclic.push(cyclic);
    expect(checkVarsExpression([cyclic])?.message).toBe('expression nested too deeply');
  });
});

describe('checkPostArgPaths (routes.lua validate_post_arg)', () => {
  it('accepts post_arg JSON paths that parse', () => {
    expect(checkPostArgPaths([['post_arg.model', '==', 'gpt-4']])).toBeNull();
    expect(checkPostArgPaths([['post_arg.messages[*].content', 'has', 'x']])).toBeNull();
    expect(checkPostArgPaths([['arg_a', '==', '[']])).toBeNull();
  });

  it('rejects one that does not, pointing at the variable', () => {
    const issue = checkPostArgPaths([[['post_arg.messages[.content[*].type', 'has', 'image_url']]]);
    expect(issue?.pointer).toBe('/0/0/0');
    expect(issue?.message).toContain('invalid expression');
  });

  it('drops the first character after "post_arg." as APISIX does', () => {
    // "$." .. key:sub(11): "post_arg.a" becomes "$." which does not parse.
    expect(checkPostArgPaths([['post_arg.a', '==', '1']])?.pointer).toBe('/0/0');
    expect(checkPostArgPaths([['post_arg.ab', '==', '1']])).toBeNull();
  });
});

describe('checkJsonPath (jsonpath 1.0 rock grammar)', () => {
  it.each([
    '$', '$.a', '$..a', '$.*', '$[*]', '$.a[0]', '$.a[-1]', '$.a[0,1]', "$.a['b c']", '$.a["b"]',
    '$.a[1:2]', '$.a[:2]', '$.a[::2]', '$.a[?(@.price < 10)]', '$.a[?(@.isbn)]', '$.a[(@.length-1)]',
    '$..book[?(@.price > 10 && @.category == "fiction")]', 'a.b', ' $.a ',
  ])('%s parses', (path) => {
    expect(checkJsonPath(path)).toBeNull();
  });

  it.each(['', '$.', '$[', '$.a[', '$.a[.b]', '$.a]', '$.a.', '$.a[?(@.b <)]', '$$', '$.a b'])('%j does not', (path) => {
    expect(checkJsonPath(path)).toMatch(/^invalid expression/);
  });
});

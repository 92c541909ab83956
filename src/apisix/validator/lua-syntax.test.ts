import { describe, expect, it } from 'vitest';
import { checkLuaChunk, parseLuaChunk } from './lua-syntax.js';

describe('checkLuaChunk: chunks LuaJIT compiles', () => {
  it.each([
    ["return function(vars) return vars.arg_name == 'json' end"],
    ['return function(conf, ctx) local core = require "apisix.core" core.ctx.register_var("v", function(ctx) return "x" end) end'],
    ['local _M = {} \n function _M.access(api_ctx) \n ngx.log(ngx.INFO,"hit access phase") \n end \nreturn _M'],
    ['return function() if ngx.var.x ~= nil then;ngx.exit(tonumber(ngx.var.x));end;end'],
    ["local t = {1, 2, [3]=4, x = 5; 'a'} for i, v in ipairs(t) do print(i, v) end for i = 1, 10, 2 do break end"],
    ['local s = [[long\nstring]] .. [==[x]]==] -- comment\n--[[ block\ncomment ]] return s'],
    ['local a, b = 1, 2 a, b = b, a while a < b do a = a + 1 end repeat a = a - 1 until a == 0 return -a ^ 2'],
    ['goto done ::done:: return 0x1p4 + 1e10 + .5 + 3LL + 0x10'],
    ["local s = '\\x41\\65\\u{1F600}\\z   \n  x' .. \"\\\"\" return s"],
    ['return function(...) return select("#", ...) end'],
    ["x.y:z{1}'s'[[t]]"],
    ['#!/usr/bin/env luajit\nreturn 1'],
    ['return'],
    [''],
  ])('%j', (source) => {
    expect(checkLuaChunk(source)).toBeNull();
  });
});

describe('checkLuaChunk: syntax errors, in LuaJIT words', () => {
  it.each([
    ['return function(vars) ', "'end' expected near '<eof>'"],
    ['not a function', "unexpected symbol near 'not'"],
    ['return function() end end', "'<eof>' expected near 'end'"],
    ['x = ', "unexpected symbol near '<eof>'"],
    ['local 1 = 2', "'<name>' expected near '1'"],
    ['return 1 2', "'<eof>' expected near '2'"],
    ['function f() return ... end', "cannot use '...' outside a vararg function"],
    ['break', 'no loop to break'],
    ["local s = 'abc", 'unfinished string'],
    ["local s = '\\q'", 'invalid escape sequence'],
    ['f() = 1', "syntax error near '='"],
    ['x', "syntax error near '<eof>'"],
    ['if x then', "'end' expected near '<eof>'"],
    ['if x then\n\nelse', "'end' expected (to close 'if' at line 1) near '<eof>'"],
    ['local x = 0x', 'malformed number'],
    ['a = b ~ c', "unexpected symbol near '~'"],
    ['a = [=x', 'invalid long string delimiter'],
    ['return {1,,2}', "unexpected symbol near ','"],
    ['--[[ never closed', 'unfinished long comment'],
  ])('%j: %s', (source, message) => {
    expect(checkLuaChunk(source)).toContain(message);
  });
});

describe('parseLuaChunk: what the chunk returns', () => {
  it.each([
    ['return function() end', 'function', false],
    ['return {}', 'table', false],
    ['local M = {} return M', 'name', false],
    ['return "x"', 'string', false],
    ['return', 'none', false],
    ['local x = 1', null, false],
    ['if x then return {} end', null, true],
    ['local f = function() return 1 end', null, false],
  ] as const)('%j', (source, finalReturn, nestedReturn) => {
    const result = parseLuaChunk(source);
    expect(result).toEqual({ ok: true, summary: { finalReturn, nestedReturn } });
  });
});

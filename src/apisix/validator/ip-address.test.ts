import { describe, expect, it } from 'vitest';
import { isApisixIpOrCidr, luaToNumber, parseAddr } from './ip-address.js';

describe('parseAddr (core.utils.parse_addr)', () => {
  it.each([
    ['127.0.0.1:8080', '127.0.0.1', 8080],
    ['127.0.0.1', '127.0.0.1', undefined],
    ['example.com:443', 'example.com', 443],
    ['localhost:0', 'localhost', 0],
    ['localhost', 'localhost', undefined],
    ['[::1]:80', '[::1]', 80],
    ['[::1]', '[::1]', undefined],
    ['[::1]x:80', '[::1]x:80', undefined],
    ['::1', '::1', undefined], // a bare IPv6 literal has no port
    ['host:', 'host:', undefined], // the last character is never the separator
    ['host:http', 'host', undefined],
    ['a:0x50', 'a', 80],
    ['', '', undefined],
  ])('%j → host %j, port %j', (addr, host, port) => {
    expect(parseAddr(addr)).toEqual({ host, port });
  });
});

describe('luaToNumber', () => {
  it.each([
    ['80', 80], [' 80 ', 80], ['8e1', 80], ['80.5', 80.5], ['0x50', 80], ['-1', -1],
    ['', undefined], ['80a', undefined], ['0x', undefined], ['1 2', undefined],
  ])('%j → %j', (text, value) => {
    expect(luaToNumber(text)).toBe(value);
  });
});

describe('isApisixIpOrCidr (schema_def.lua ip_def)', () => {
  it.each(['1.1.1.1', '1.1.1.1/32', '10.0.0.0/8', '::', '::1', '::1/16', 'fe80::/32', '2001:db8::1'])('%s', (ip) => {
    expect(isApisixIpOrCidr(ip)).toBe(true);
  });

  it.each(['/16', '127.0.0.33333', '1.1.1', '01.1.1.1', '1.1.1.1/33', 'fe80::1%eth0', 'localhost', ''])('not %j', (ip) => {
    expect(isApisixIpOrCidr(ip)).toBe(false);
  });
});

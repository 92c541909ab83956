/**
 * Address parsing as APISIX does it: `inet_pton` (through lua-resty-ipmatcher and the JSON-Schema
 * `ipv4`/`ipv6` formats), the `ip_def` alternatives of apisix/schema_def.lua, and
 * `core.utils.parse_addr` (apisix/core/utils.lua) for the `host:port` keys of hash-form nodes.
 */

import { isIPv4, isIPv6 } from 'node:net';

/** glibc `inet_pton(AF_INET, ...)`: a dotted quad, each part 0-255 without leading zeros. */
export function isIpv4(text: string): boolean {
  return isIPv4(text);
}

/** glibc `inet_pton(AF_INET6, ...)`: no brackets and, unlike Node, no `%zone` suffix. */
export function isIpv6(text: string): boolean {
  return !text.includes('%') && isIPv6(text);
}

// schema_def.lua ip_def: "IPv4/CIDR" and "IPv6/CIDR" patterns. The IPv6 one is deliberately loose
// upstream ("There is false negative for ipv6/cidr. For instance, `:/8` will be valid.").
const IPV4_SEGMENT = '([0-9]|[1-9][0-9]|1[0-9]{2}|2[0-4][0-9]|25[0-5])';
const IPV4_CIDR = new RegExp(`^${IPV4_SEGMENT}(\\.${IPV4_SEGMENT}){3}/([12]?[0-9]|3[0-2])$`);
const IPV6_CIDR = /^([a-fA-F0-9]{0,4}:){1,8}(:[a-fA-F0-9]{0,4}){0,8}([a-fA-F0-9]{0,4})?\/[0-9]{1,3}$/;

/** schema_def.lua `ip_def` (anyOf IPv4, IPv4/CIDR, IPv6, IPv6/CIDR), used by `remote_addr(s)`. */
export function isApisixIpOrCidr(text: string): boolean {
  return isIpv4(text) || IPV4_CIDR.test(text) || isIpv6(text) || IPV6_CIDR.test(text);
}

/**
 * apisix/core/ip.lua `validate_cidr_or_ip`: an IPv4 address with a mask of at most 32, or an IPv6
 * one (with any mask of at most 128 that Lua's `tonumber` reads).
 */
export function isCidrOrIp(text: string): boolean {
  let mask = 0;
  let address = text;
  const separator = text.indexOf('/');
  if (separator >= 0) {
    const parsed = luaToNumber(text.slice(separator + 1));
    if (parsed === undefined || parsed < 0 || parsed > 128) return false;
    mask = parsed;
    address = text.slice(0, separator);
  }
  if (isIpv4(address)) return mask <= 32;
  return isIpv6(address);
}

/**
 * `core.utils.parse_addr(addr)`: splits `host:port`, `[v6]:port`, `[v6]`, bare IPv6 or a bare host.
 * The port is Lua's `tonumber` of the text after the last ':' (undefined when absent or not a
 * number); the last character is never taken as the separator (`rfind_char(addr, ":", #addr - 1)`).
 */
export function parseAddr(addr: string): { readonly host: string; readonly port: number | undefined } {
  if (addr.startsWith('[')) {
    if (addr.endsWith(']')) return { host: addr, port: undefined };
    const pos = lastColonBeforeEnd(addr);
    if (pos < 0 || addr[pos - 1] !== ']') return { host: addr, port: undefined };
    return { host: addr.slice(0, pos), port: luaToNumber(addr.slice(pos + 1)) };
  }
  let colons = 0;
  for (const ch of addr) {
    if (ch === '.') return splitHostPort(addr);
    if (ch === ':' && ++colons === 2) return { host: addr, port: undefined };
  }
  return splitHostPort(addr);
}

function splitHostPort(addr: string): { readonly host: string; readonly port: number | undefined } {
  const pos = lastColonBeforeEnd(addr);
  if (pos < 0) return { host: addr, port: undefined };
  return { host: addr.slice(0, pos), port: luaToNumber(addr.slice(pos + 1)) };
}

function lastColonBeforeEnd(addr: string): number {
  return addr.length < 2 ? -1 : addr.lastIndexOf(':', addr.length - 2);
}

const LUA_DECIMAL = /^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;
const LUA_HEX = /^[+-]?0[xX][0-9a-fA-F]+$/;

/** Lua's `tonumber(text)` for the decimal and hexadecimal integer forms a port could take. */
export function luaToNumber(text: string): number | undefined {
  const t = text.replace(/^[ \t\n\r\v\f]+|[ \t\n\r\v\f]+$/g, '');
  if (LUA_DECIMAL.test(t)) return Number(t);
  if (LUA_HEX.test(t)) {
    const negative = t.startsWith('-');
    const value = Number.parseInt(t.replace(/^[+-]?0[xX]/, ''), 16);
    return negative ? -value : value;
  }
  return undefined;
}

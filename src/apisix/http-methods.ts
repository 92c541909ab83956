/**
 * The HTTP methods APISIX routes by, in its order (`apisix/schema_def.lua`, route `methods`;
 * lua-resty-radixtree's `METHODS`): what a route without `methods` matches, and the order lists
 * of methods are shown in.
 */
import { cmp } from '../model/diagnostic.js';

export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS', 'CONNECT', 'TRACE', 'PURGE'] as const;

const ORDER = new Map<string, number>(HTTP_METHODS.map((m, i) => [m, i]));

/** Methods in APISIX's order; any other after them, in code-point order. */
export function compareMethods(a: string, b: string): number {
  return (ORDER.get(a) ?? HTTP_METHODS.length) - (ORDER.get(b) ?? HTTP_METHODS.length) || cmp(a, b);
}

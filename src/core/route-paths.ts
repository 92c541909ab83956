/**
 * How a group's `path_prefix` applies to a route uri: plain concatenation, `/petstore` + `/pets/*`
 * → `/petstore/pets/*` (a uri of `/` becomes `/petstore/`). Shared by the emitter and the
 * route-conflict rule so both see the same paths.
 */
export function prefixedUri(prefix: string | undefined, uri: string): string {
  return prefix === undefined ? uri : `${prefix}${uri}`;
}

/**
 * The `proxy-rewrite` `regex_uri` that strips `prefix` before proxying:
 * `/petstore/pets/1` → `/pets/1`, `/petstore` → `/`.
 */
export function stripPrefixRegex(prefix: string): [string, string] {
  return [`^${escapeRegex(prefix)}/?(.*)$`, '/$1'];
}

function escapeRegex(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
}

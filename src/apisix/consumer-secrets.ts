/**
 * Which fields of a consumer's plugins hold a secret: the credential of each auth plugin
 * (key-auth `key`, basic-auth `password`, jwt-auth `secret` and `private_key`, hmac-auth
 * `secret_key`) and every field a plugin's schema lists in `encrypt_fields` (the fields APISIX
 * stores encrypted when data encryption is on; dotted paths for nested fields).
 */
import { schemaUnit } from './validator/apisix-schemas.js';

/** The auth plugins' credentials, by plugin: known without reading any schema. */
export const CONSUMER_AUTH_SECRETS: Readonly<Record<string, readonly string[]>> = {
  'basic-auth': ['password'],
  'hmac-auth': ['secret_key'],
  'jwt-auth': ['secret', 'private_key'],
  'key-auth': ['key'],
};

/** JSON pointers of the auth plugins' credentials in a consumer (`/plugins/key-auth/key`). */
export const CONSUMER_SECRET_POINTERS: readonly string[] = Object.entries(CONSUMER_AUTH_SECRETS).flatMap(([plugin, fields]) =>
  fields.map((f) => `/plugins/${plugin}/${f}`),
);

const byPlugin = new Map<string, readonly (readonly string[])[]>();

/**
 * The secret fields of plugin `name` as a consumer uses it, each a path of keys (`['auth',
 * 'password']`), in a stable order: the auth credentials, then the `encrypt_fields` of its
 * consumer schema (or its schema when it has none). A plugin APISIX does not bundle has only
 * what `CONSUMER_AUTH_SECRETS` says.
 */
export function consumerSecretFields(name: string): readonly (readonly string[])[] {
  let found = byPlugin.get(name);
  if (found === undefined) {
    const plugin = schemaUnit(`plugin/${name}`);
    const schema = (plugin?.consumer_schema ?? plugin?.schema) as { readonly encrypt_fields?: unknown } | undefined;
    const encrypted = Array.isArray(schema?.encrypt_fields) ? schema.encrypt_fields.filter((f): f is string => typeof f === 'string') : [];
    const dotted = [...new Set([...(CONSUMER_AUTH_SECRETS[name] ?? []), ...encrypted])];
    byPlugin.set(name, (found = dotted.map((f) => f.split('.'))));
  }
  return found;
}

/**
 * The paths of the secret fields of an object's `plugins`, from its root
 * (`['plugins', 'key-auth', 'key']`), for those it holds, in a stable order.
 */
export function pluginsSecretPaths(obj: Readonly<Record<string, unknown>>): readonly (readonly string[])[] {
  const plugins = obj['plugins'];
  if (typeof plugins !== 'object' || plugins === null || Array.isArray(plugins)) return [];
  return Object.entries(plugins as Record<string, unknown>).flatMap(([plugin, conf]) =>
    consumerSecretFields(plugin)
      .filter((field) => fieldValue(conf, field) !== undefined)
      .map((field) => ['plugins', plugin, ...field]),
  );
}

/** How messages name a secret field: `key-auth key` for a plugin's, its dotted path otherwise (`key`). */
export function secretFieldName(path: readonly string[]): string {
  return path[0] === 'plugins' && path.length > 2 ? `${path[1]} ${path.slice(2).join('.')}` : path.join('.');
}

/** Sets the value at a path of keys whose parents exist (in a copy the caller owns). */
export function setFieldValue(conf: unknown, path: readonly string[], value: unknown): void {
  let at = conf as Record<string, unknown>;
  for (const key of path.slice(0, -1)) at = at[key] as Record<string, unknown>;
  at[path[path.length - 1]!] = value;
}

/** The value at a path of keys (an array's items by index: `['keys', '0']`), or undefined. */
export function fieldValue(conf: unknown, path: readonly string[]): unknown {
  let at = conf;
  for (const key of path) {
    if (typeof at !== 'object' || at === null || (Array.isArray(at) && !/^\d+$/.test(key))) return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return at;
}

/**
 * How APISIX's auth plugins find the consumer of a request (Apache APISIX f519a0f): each looks
 * the request's credential up among the consumers that carry the same plugin, by one field of
 * their configuration of it (`consumer_mod.find_consumer(plugin_name, "<field>", value)` or
 * `consumers_kv(plugin_name, conf, "<field>")` in apisix/plugins/<plugin>.lua; the first six are
 * also apisix/consumer.lua's `plugin_unique_key_attrs`).
 */

/** The field of a consumer's auth plugin that identifies the consumer, by plugin. */
export const CONSUMER_KEY_FIELDS: Readonly<Record<string, string>> = {
  'basic-auth': 'username',
  'hmac-auth': 'key_id',
  'jwe-decrypt': 'key',
  'jwt-auth': 'key',
  'key-auth': 'key',
  'ldap-auth': 'user_dn',
  'ldap-auth-advanced': 'user_dn',
  'wolf-rbac': 'appid',
};

/**
 * The auth plugins a route's (or service's) `name` plugin configured as `conf` looks the
 * consumer up with: itself; for `multi-auth`, each plugin of its `auth_plugins` (any one may
 * find the consumer). Empty for a plugin that finds no consumer of the gateway group, and for a
 * configuration that lets a request through without one: an `anonymous_consumer`
 * (key-auth, basic-auth, jwt-auth, hmac-auth), `consumer_required: false` (ldap-auth-advanced),
 * `strict: false` (jwe-decrypt, which then passes requests without a token).
 */
export function consumerLookupPlugins(name: string, conf: unknown): string[] {
  if (name === 'multi-auth') {
    const list = fieldOf(conf, 'auth_plugins');
    if (!Array.isArray(list)) return [];
    const each = list.flatMap((entry) => (isObject(entry) ? Object.entries(entry).map(([n, c]) => consumerLookupPlugins(n, c)) : []));
    // Any one plugin that lets a request through lets it through multi-auth.
    return each.some((plugins) => plugins.length === 0) ? [] : [...new Set(each.flat())];
  }
  if (CONSUMER_KEY_FIELDS[name] === undefined) return [];
  if (fieldOf(conf, 'anonymous_consumer') !== undefined) return [];
  if (name === 'ldap-auth-advanced' && fieldOf(conf, 'consumer_required') === false) return [];
  if (name === 'jwe-decrypt' && fieldOf(conf, 'strict') === false) return [];
  return [name];
}

function isObject(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fieldOf(conf: unknown, key: string): unknown {
  return isObject(conf) ? conf[key] : undefined;
}

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

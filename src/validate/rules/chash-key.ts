import type { UpstreamSpec } from '../../model/config.js';
import type { Rule } from './rule.js';
import { finding } from './rule.js';

/**
 * Consistent hashing needs a key that fits `hash_on` (TW3006), as APISIX's upstream check
 * (apisix/upstream.lua, schema_def.lua `upstream.key`) demands: `vars` (the default) takes one
 * nginx variable from a fixed list or `arg_*`; `header` and `cookie` take a name; `consumer`
 * takes none; `vars_combinations` takes a string of `$variables`. A `key` or `hash_on` on an
 * upstream that does not hash is ignored by the gateway, which is worth a warning.
 */
const VARS_KEY = /^((uri|server_name|server_addr|request_uri|remote_port|remote_addr|query_string|host|hostname|mqtt_client_id)|arg_[0-9a-zA-Z_-]+)$/;

export const chashKey: Rule = {
  name: 'chash-key',
  scope: 'file',
  *check(ctx) {
    for (const t of ctx.templates) {
      const u: UpstreamSpec | undefined = t.spec.upstream;
      if (!u) continue;
      if (u.type !== 'chash') {
        for (const field of ['key', 'hash_on'] as const) {
          if (u[field] !== undefined) {
            yield finding('TW3006', t.file, `/upstream/${field}`, `\`${field}\` only applies to \`type: chash\`; this upstream is ${u.type ?? 'roundrobin'}`, {
              severity: 'warning',
              key: true,
              hint: `Remove \`${field}\`, or set \`type: chash\`.`,
            });
          }
        }
        continue;
      }
      const hashOn = u.hash_on ?? 'vars';
      if (hashOn === 'consumer') continue;
      if (u.key === undefined) {
        yield finding('TW3006', t.file, '/upstream/type', `\`type: chash\` with \`hash_on: ${hashOn}\` needs a \`key\``, {
          hint: keyHint(hashOn),
        });
        continue;
      }
      if (hashOn === 'vars' && !VARS_KEY.test(u.key)) {
        yield finding('TW3006', t.file, '/upstream/key', `\`${u.key}\` is not a key APISIX can hash on with \`hash_on: vars\``, { hint: keyHint('vars') });
      }
      if (hashOn === 'vars_combinations' && !u.key.includes('$')) {
        yield finding('TW3006', t.file, '/upstream/key', `\`hash_on: vars_combinations\` needs a key made of $variables, e.g. "$host$uri"`, {
          hint: keyHint('vars_combinations'),
        });
      }
    }
  },
};

function keyHint(hashOn: string): string {
  switch (hashOn) {
    case 'vars':
      return 'With hash_on: vars, key is one of uri, server_name, server_addr, request_uri, remote_port, remote_addr, query_string, host, hostname, mqtt_client_id, or arg_<name>.';
    case 'header':
      return 'With hash_on: header, key is the request header name to hash on, e.g. X-User-Id.';
    case 'cookie':
      return 'With hash_on: cookie, key is the cookie name to hash on, e.g. session_id.';
    default:
      return 'With hash_on: vars_combinations, key combines nginx variables, e.g. "$remote_addr$http_user_agent".';
  }
}

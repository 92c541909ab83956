import { ENV_REFERENCE_FIELDS } from '../../apisix/kinds/secrets.js';
import { isGatewayReference } from '../../secrets/references.js';
import type { Rule } from './rule.js';
import { finding } from './rule.js';

/**
 * A gateway reference in a secret manager's own fields is one APISIX reads there (TW3052, an
 * error): `$env://NAME` only in the fields its manager resolves (vault `token`, aws keys; gcp
 * none), `$secret://` nowhere. Elsewhere the gateway would take the reference's text for the value
 * and fail when a request needs the secret manager. tagway's `env:NAME` and `file:PATH` work in
 * every secret field, since sync resolves them.
 */
export const secretManagerReferences: Rule = {
  name: 'secret-manager-references',
  scope: 'repo',
  *check(ctx) {
    for (const entries of ctx.repo.groupObjects['secret-manager'].values()) {
      for (const [name, { file, spec }] of entries) {
        const manager = name.slice(0, name.indexOf('/'));
        const resolved = ENV_REFERENCE_FIELDS[manager] ?? [];
        const fields: [string, unknown][] = Object.entries(spec);
        if (spec.auth_config !== undefined) fields.push(...Object.entries(spec.auth_config).map(([k, v]): [string, unknown] => [`auth_config/${k}`, v]));
        for (const [field, value] of fields) {
          if (typeof value !== 'string' || !isGatewayReference(value)) continue;
          const env = value.startsWith('$env://');
          if (env && resolved.includes(field)) continue;
          const shown = field.replace('/', '.');
          yield finding('TW3052', file, `/${field}`, `APISIX's ${manager} secret manager does not read ${env ? '$env://' : '$secret://'} references in ${shown}`, {
            hint:
              (resolved.length > 0 ? `It reads $env:// only in ${resolved.join(', ')}. ` : '') +
              `Give ${shown} as env:NAME or file:PATH, which tagway sync resolves, or as the value itself where it is no secret. See docs/secrets.md.`,
          });
        }
      }
    }
  },
};

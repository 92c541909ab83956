import { fieldValue } from '../consumer-secrets.js';
import type { KindDescriptor } from './descriptor.js';
import { GATEWAY_SERVER_FIELDS, LABEL_OWNERSHIP } from './ownership.js';

/**
 * The secret fields of the three secret managers (`apisix/secret/<manager>.lua`), as paths from
 * the object's root: vault's `token`, aws's `secret_access_key` and `session_token`, gcp's
 * `auth_config.private_key`. aws's `access_key_id` names a key, like a user name, and gcp's
 * `auth_file` is a path on the gateway's host: neither is a secret.
 */
export const SECRET_MANAGER_SECRETS: readonly (readonly string[])[] = [['token'], ['secret_access_key'], ['session_token'], ['auth_config', 'private_key']];

/**
 * The fields in which each secret manager reads an `$env://NAME` reference itself
 * (`env.fetch_by_uri` in `apisix/secret/<manager>.lua`): vault's token, aws's keys; gcp's none.
 * Elsewhere in a secret manager, and `$secret://` anywhere in one, APISIX takes the text as it is.
 */
export const ENV_REFERENCE_FIELDS: Readonly<Record<string, readonly string[]>> = {
  vault: ['token'],
  aws: ['access_key_id', 'secret_access_key', 'session_token'],
  gcp: [],
};

/**
 * `/apisix/admin/secrets/<manager>/<id>`: where the gateway looks up `$secret://<manager>/<id>/…`
 * references. The id is `<manager>/<id>` (APISIX stores it so in `id`); the manager's schema
 * applies. APISIX's schemas of the managers allow other fields, and it keeps them: tagway writes
 * its ownership `labels` there, as on the other kinds. Nothing refers to a secret manager on
 * write (APISIX resolves `$secret://` when a request uses it), so it has no place in the order by
 * reference: by name, it is written first and deleted last.
 */
export const SECRETS: KindDescriptor<'secrets'> = {
  name: 'secrets',
  singular: 'secret manager',
  admin: { list: 'secrets', object: 'secrets/{id}' },
  id: { field: 'id' },
  standalone: { key: 'secrets' },
  references: [],
  ownership: LABEL_OWNERSHIP,
  serverFields: GATEWAY_SERVER_FIELDS,
  // aws's and gcp's schema defaults (stored by APISIX before 3.14).
  defaults: {
    values: { region: 'us-east-1', ssl_verify: true },
    fields: {
      auth_config: {
        values: {
          entries_uri: 'https://secretmanager.googleapis.com/v1',
          token_uri: 'https://oauth2.googleapis.com/token',
          scope: ['https://www.googleapis.com/auth/cloud-platform'],
        },
      },
    },
  },
  defaultMarkers: ['region', 'ssl_verify'],
  secretFields: SECRET_MANAGER_SECRETS.map((path) => `/${path.join('/')}`),
  secretPaths: (obj) => SECRET_MANAGER_SECRETS.filter((path) => fieldValue(obj, path) !== undefined),
  schema: 'secret',
};


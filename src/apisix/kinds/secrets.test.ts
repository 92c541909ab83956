/**
 * Secret managers: which of their fields are secrets, and that APISIX takes tagway's ownership
 * labels on each manager's object (its schemas allow fields they do not name).
 */
import { describe, expect, it } from 'vitest';
import { validateApisixObject } from '../validator/index.js';
import { SECRETS } from './secrets.js';

const owned = { 'managed-by': 'tagway', 'tagway.group': 'staging' };

const CASES = [
  {
    id: 'vault/prod',
    body: { uri: 'https://vault.example:8200', prefix: 'kv/apisix', token: 'env:VAULT_TOKEN', namespace: 'ops' },
    secrets: [['token']],
  },
  {
    id: 'aws/main',
    body: { access_key_id: 'AKIDEXAMPLE', secret_access_key: 'env:AWS_SECRET', session_token: 'file:aws-session', region: 'eu-west-1' },
    secrets: [['secret_access_key'], ['session_token']],
  },
  { id: 'aws/plain', body: { access_key_id: 'AKIDEXAMPLE', secret_access_key: '$env://AWS_SECRET' }, secrets: [['secret_access_key']] },
  {
    id: 'gcp/main',
    body: { auth_config: { client_email: 'gw@p.iam.gserviceaccount.com', private_key: 'file:gcp.pem', project_id: 'p' } },
    secrets: [['auth_config', 'private_key']],
  },
  { id: 'gcp/file', body: { auth_file: '/etc/apisix/gcp.json', ssl_verify: false }, secrets: [] },
] as const;

describe('secret managers', () => {
  for (const c of CASES) {
    it(`${c.id}: secret fields ${JSON.stringify(c.secrets)}`, () => {
      expect(SECRETS.secretPaths?.(c.body)).toEqual(c.secrets);
    });

    it(`${c.id}: APISIX takes it with tagway's labels`, () => {
      expect(validateApisixObject('secrets', { ...c.body, labels: owned }, { id: c.id }).errors).toEqual([]);
      expect(SECRETS.ownership.claimedBy({ id: c.id, ...c.body, labels: owned })).toBe('staging');
    });
  }

  it('masks every secret field a manager has, at its pointer', () => {
    expect(SECRETS.secretFields).toEqual(['/token', '/secret_access_key', '/session_token', '/auth_config/private_key']);
  });
});

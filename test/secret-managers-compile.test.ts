/**
 * A gateway group's secret managers (gateway-groups/<group>/secrets/<manager>/<id>.yaml):
 * validated with positions, emitted as APISIX's secrets `<manager>/<id>` with the ownership
 * labels, their secrets kept as references.
 */
import { describe, expect, it } from 'vitest';
import { compile } from '../src/compile/compile.js';
import { renderSnapshotStandalone } from '../src/compile/snapshot.js';
import { memoryInput } from './support/memory-repo.js';

const GROUP = 'name: staging\npublished: {}\n';
const G = 'gateway-groups/staging';
const VAULT = 'uri: https://vault.example.com:8200\nprefix: kv/apisix\ntoken: env:VAULT_TOKEN\n';
const AWS = 'access_key_id: AKIDEXAMPLE\nsecret_access_key: file:secrets/aws-key\nregion: eu-west-1\n';
const GCP = 'auth_config:\n  client_email: gw@p.iam.gserviceaccount.com\n  private_key: env:GCP_KEY\n  project_id: p\n';

function run(files: Record<string, string>) {
  return compile(memoryInput({ files: { [`${G}/group.yaml`]: GROUP, ...files } }));
}

const found = (r: ReturnType<typeof run>) => r.diagnostics.map((d) => `${d.file}:${d.line}:${d.column} ${d.severity} ${d.code} ${d.message}`);
const owner = { 'managed-by': 'tagway', 'tagway.group': 'staging' };

describe('secret managers of a gateway group', () => {
  it('are emitted as <manager>/<id> with the ownership labels, references kept as written', () => {
    const result = run({ [`${G}/secrets/vault/prod.yaml`]: `${VAULT}labels:\n  team: ops\n`, [`${G}/secrets/aws/main.yaml`]: AWS, [`${G}/secrets/gcp/main.yaml`]: GCP });
    expect(found(result)).toEqual([]);
    expect(result.snapshots[0]!.apisix.secrets).toEqual([
      { access_key_id: 'AKIDEXAMPLE', id: 'aws/main', labels: owner, region: 'eu-west-1', secret_access_key: 'file:secrets/aws-key' },
      { auth_config: { client_email: 'gw@p.iam.gserviceaccount.com', private_key: 'env:GCP_KEY', project_id: 'p' }, id: 'gcp/main', labels: owner },
      { id: 'vault/prod', labels: { ...owner, team: 'ops' }, prefix: 'kv/apisix', token: 'env:VAULT_TOKEN', uri: 'https://vault.example.com:8200' },
    ]);
    expect(renderSnapshotStandalone(result.snapshots[0]!)).toContain('secrets:\n  - access_key_id: AKIDEXAMPLE\n    id: aws/main\n');
  });

  it('refuse a literal secret of each manager, without repeating it', () => {
    const canary = 'canary-literal-7f3a9';
    const result = run({
      [`${G}/secrets/vault/prod.yaml`]: `uri: https://vault.example.com:8200\nprefix: kv\ntoken: ${canary}\n`,
      [`${G}/secrets/aws/main.yaml`]: `access_key_id: AKIDEXAMPLE\nsecret_access_key: env:AWS_SECRET\nsession_token: ${canary}\n`,
      [`${G}/secrets/gcp/main.yaml`]: `auth_config:\n  client_email: a@b\n  private_key: ${canary}\n  project_id: p\n`,
    });
    expect(found(result)).toEqual([
      `${G}/secrets/aws/main.yaml:3:16 error TW3022 session_token holds a literal secret, not a reference`,
      `${G}/secrets/gcp/main.yaml:3:16 error TW3022 auth_config.private_key holds a literal secret, not a reference`,
      `${G}/secrets/vault/prod.yaml:3:8 error TW3022 token holds a literal secret, not a reference`,
    ]);
    expect(JSON.stringify(result.diagnostics)).not.toContain(canary);
  });

  it("are checked against their file schema and the manager's APISIX schema, with positions", () => {
    expect(found(run({ [`${G}/secrets/gcp/main.yaml`]: 'auth_file: /etc/gcp.json\nsslverify: false\n' }))).toEqual([
      `${G}/secrets/gcp/main.yaml:2:1 error TW2001 unknown key \`sslverify\` in the file`,
    ]);
    const result = run({ [`${G}/secrets/vault/prod.yaml`]: 'uri: https://vault.example.com:8200\ntoken: env:T\n', [`${G}/secrets/aws/main.yaml`]: `${AWS}endpoint_url: not-a-url\n` });
    expect(found(result)).toEqual([
      expect.stringMatching(new RegExp(`^${G}/secrets/aws/main.yaml:4:15 error TW4001 APISIX would reject secret aws/main: /endpoint_url `)),
      expect.stringMatching(new RegExp(`^${G}/secrets/vault/prod.yaml:1:1 error TW4001 APISIX would reject secret vault/prod: / .*prefix`)),
    ]);
  });

  it('live one folder per manager: a file elsewhere is not read, a folder of no manager is refused', () => {
    expect(found(run({ [`${G}/secrets/prod.yaml`]: VAULT, [`${G}/secrets/vault/a/b.yaml`]: VAULT }))).toEqual([
      expect.stringMatching(new RegExp(`^${G}/secrets/prod.yaml:1:1 warning TW1011 `)),
      expect.stringMatching(new RegExp(`^${G}/secrets/vault/a/b.yaml:1:1 warning TW1011 `)),
    ]);
    expect(run({ [`${G}/secrets/prod.yaml`]: VAULT }).diagnostics[0]!.hint).toContain('gateway-groups/<group>/secrets/<manager>/<id>.yaml');
    expect(found(run({ [`${G}/secrets/hashicorp/prod.yaml`]: VAULT }))).toEqual([
      `${G}/secrets/hashicorp/prod.yaml:1:1 error TW1012 "hashicorp/prod" in ${G}/secrets/hashicorp/prod.yaml is not a valid secret manager`,
    ]);
  });
});

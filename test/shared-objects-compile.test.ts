/**
 * Group-level files written once for several gateway groups (gateway-groups/_shared/<folder>/
 * <name>.yaml), taken in by each group that lists them in its group.yaml's `include`: emitted
 * into each including group as if in its own folder (same id, that group's ownership labels),
 * every finding about them at the shared file; an include of no file, a group's own file of the
 * same name, and a shared file no group includes reported at their place.
 */
import { describe, expect, it } from 'vitest';
import { compile } from '../src/compile/compile.js';
import { memoryInput } from './support/memory-repo.js';

const S = 'gateway-groups/_shared';
const MOBILE = 'group: mobile-apps\nplugins:\n  key-auth:\n    key: env:MOBILE_KEY\n';
const APPS = 'plugins:\n  limit-count:\n    count: 10\n    time_window: 60\n';
const group = (name: string, include?: string) => `name: ${name}\npublished: {}\n${include === undefined ? '' : `include: ${include}\n`}`;
const BOTH = '[consumer-groups/mobile-apps, consumers/mobile]';

function run(files: Record<string, string>, groups?: readonly string[]) {
  return compile(memoryInput({ files, ...(groups ? { groups } : {}) }));
}

const found = (r: ReturnType<typeof run>) => r.diagnostics.map((d) => `${d.file}:${d.line}:${d.column} ${d.severity} ${d.code} ${d.message}`);

describe('shared group-level files', () => {
  const repo = {
    'gateway-groups/staging/group.yaml': group('staging', BOTH),
    'gateway-groups/production/group.yaml': group('production', BOTH),
    [`${S}/consumers/mobile.yaml`]: MOBILE,
    [`${S}/consumer-groups/mobile-apps.yaml`]: APPS,
  };

  it('are emitted into every including group, each with its own group label and the same id', () => {
    const result = run(repo);
    expect(found(result)).toEqual([]);
    expect(result.snapshots.map((s) => s.group)).toEqual(['production', 'staging']);
    for (const snapshot of result.snapshots) {
      const owner = { 'managed-by': 'tagway', 'tagway.group': snapshot.group };
      expect(snapshot.apisix.consumers).toEqual([{ group_id: 'mobile-apps', id: 'mobile', labels: owner, plugins: { 'key-auth': { key: 'env:MOBILE_KEY' } }, username: 'mobile' }]);
      expect(snapshot.apisix.consumer_groups).toEqual([{ id: 'mobile-apps', labels: owner, name: 'mobile-apps', plugins: { 'limit-count': { count: 10, time_window: 60 } } }]);
    }
  });

  it('give a group the same snapshot as the same file in its own folder', () => {
    const own = run({
      'gateway-groups/staging/group.yaml': group('staging'),
      'gateway-groups/staging/consumers/mobile.yaml': MOBILE,
      'gateway-groups/staging/consumer-groups/mobile-apps.yaml': APPS,
    });
    const shared = run({ ...repo, 'gateway-groups/production/group.yaml': group('production') }, ['staging']);
    expect(found(shared)).toEqual([]);
    expect(shared.snapshots[0]!.digest).toBe(own.snapshots[0]!.digest);
  });

  it('of every group-level kind: a secret manager one folder deeper, a global rule under each group\'s id', () => {
    const include = '[global-rules/metrics, plugin-metadata/prometheus, secrets/vault/main]';
    const result = run({
      'gateway-groups/staging/group.yaml': group('staging', include),
      'gateway-groups/production/group.yaml': group('production', include),
      [`${S}/global-rules/metrics.yaml`]: 'plugins:\n  prometheus: {}\n',
      [`${S}/plugin-metadata/prometheus.yaml`]: 'disabled_labels:\n  http_status: [route]\n',
      [`${S}/secrets/vault/main.yaml`]: 'uri: https://vault.example.com:8200\nprefix: kv/apisix\ntoken: $env://VAULT_TOKEN\n',
    });
    expect(found(result)).toEqual([]);
    for (const snapshot of result.snapshots) {
      const owner = { 'managed-by': 'tagway', 'tagway.group': snapshot.group };
      expect(snapshot.apisix.global_rules).toEqual([{ id: `tagway.${snapshot.group}.metrics`, plugins: { prometheus: {} } }]);
      expect(snapshot.apisix.plugin_metadata).toEqual([{ disabled_labels: { http_status: ['route'] }, id: 'prometheus', labels: owner }]);
      expect(snapshot.apisix.secrets).toEqual([{ id: 'vault/main', labels: owner, prefix: 'kv/apisix', token: '$env://VAULT_TOKEN', uri: 'https://vault.example.com:8200' }]);
    }
  });

  it('are not in a group that does not include them', () => {
    const result = run({ ...repo, 'gateway-groups/production/group.yaml': group('production', '[consumer-groups/mobile-apps]') });
    expect(found(result)).toEqual([]);
    const [production, staging] = result.snapshots;
    expect(production!.apisix.consumers).toEqual([]);
    expect(production!.apisix.consumer_groups.map((o) => o.id)).toEqual(['mobile-apps']);
    expect(staging!.apisix.consumers.map((o) => o.id)).toEqual(['mobile']);
  });

  it('report an include that names no shared file at the include, with a did-you-mean', () => {
    const result = run({ ...repo, 'gateway-groups/production/group.yaml': group('production', '[consumer-groups/mobile-apps, consumers/mobil, consumer/mobile, protos/vault]') });
    expect(found(result)).toEqual([
      `gateway-groups/production/group.yaml:3:40 error TW3055 include consumers/mobil names no shared file: there is no ${S}/consumers/mobil.yaml`,
      'gateway-groups/production/group.yaml:3:57 error TW3055 include consumer/mobile names no shared file: consumer/ is no folder of shared files',
      'gateway-groups/production/group.yaml:3:74 error TW3055 include protos/vault names no shared file: protos/ is no folder of shared files',
    ]);
    expect(result.diagnostics.map((d) => d.hint)).toEqual([
      'Did you mean consumers/mobile?',
      'Did you mean consumers/mobile?',
      'An include is <folder>/<name> of a file gateway-groups/_shared/<folder>/<name>.yaml, <folder> one of consumer-groups, consumers, global-rules, plugin-metadata, secrets, ssls. Create the file, or remove the include.',
    ]);
    expect(result.snapshots).toEqual([]);
  });

  it('report a group file of the same kind and name as an included one, at both places', () => {
    const result = run({ ...repo, 'gateway-groups/staging/consumers/mobile.yaml': 'plugins: {}\n' });
    expect(found(result)).toEqual([
      `gateway-groups/staging/group.yaml:3:40 error TW3056 gateway-groups/staging/consumers/mobile.yaml and the included ${S}/consumers/mobile.yaml are the same consumer username`,
    ]);
    expect(result.diagnostics[0]!.related.map((r) => `${r.file}:${r.line} ${r.message}`)).toEqual([
      'gateway-groups/staging/consumers/mobile.yaml:1 the group\'s own file',
      `${S}/consumers/mobile.yaml:1 the shared file`,
    ]);
  });

  it('warn of a shared file no group includes, and still check its secrets', () => {
    const result = run({ ...repo, 'tagway.yaml': 'literal_secrets: warn\n', [`${S}/consumers/ops.yaml`]: 'plugins:\n  key-auth:\n    key: test-key\n' });
    expect(found(result)).toEqual([
      `${S}/consumers/ops.yaml:1:1 warning TW3057 no gateway group includes consumers/ops`,
      `${S}/consumers/ops.yaml:3:10 warning TW3022 key-auth key holds a literal secret, not a reference`,
    ]);
    expect(result.snapshots).toHaveLength(2);
    expect(result.snapshots.flatMap((s) => s.apisix.consumers.map((c) => c.id))).toEqual(['mobile', 'mobile']);
  });

  it('are checked by the group rules at the shared file, once however many groups include it', () => {
    const canary = 'canary-shared-literal-51c0';
    const result = run({
      ...repo,
      'gateway-groups/production/group.yaml': group('production', '[consumers/mobile]'),
      [`${S}/consumers/mobile.yaml`]: `username: mobil\ngroup: mobile-apps\nplugins:\n  key-auth:\n    key: ${canary}\n`,
    });
    expect(found(result)).toEqual([
      `${S}/consumers/mobile.yaml:1:11 error TW3020 username "mobil" differs from the file name mobile`,
      `${S}/consumers/mobile.yaml:2:8 error TW3021 there is no consumer group mobile-apps in gateway group production`,
      `${S}/consumers/mobile.yaml:5:10 error TW3022 key-auth key holds a literal secret, not a reference`,
    ]);
    expect(result.diagnostics[1]!.hint).toBe('Create gateway-groups/production/consumer-groups/mobile-apps.yaml or include consumer-groups/mobile-apps in gateway-groups/production/group.yaml, or remove group from this consumer.');
    expect(JSON.stringify(result.diagnostics)).not.toContain(canary);
  });

  it('report the findings of a shared file to a compile of a group that includes it only', () => {
    const files = { ...repo, 'gateway-groups/production/group.yaml': group('production'), [`${S}/consumers/mobile.yaml`]: 'username: mobil\n' };
    expect(found(run(files, ['staging']))).toEqual([`${S}/consumers/mobile.yaml:1:11 error TW3020 username "mobil" differs from the file name mobile`]);
    expect(found(run(files, ['production']))).toEqual([]);
  });

  it('are laid out under _shared only, which is no group', () => {
    const result = run({
      ...repo,
      [`${S}/group.yaml`]: 'name: _shared\n',
      [`${S}/services/petstore.yaml`]: 'hosts: [a.example]\n',
      [`${S}/consumers/no.dots.yaml`]: 'plugins: {}\n',
    });
    expect(found(result)).toEqual([
      `${S}/consumers/no.dots.yaml:1:1 error TW1012 "no.dots" in ${S}/consumers/no.dots.yaml is not a valid consumer username`,
      `${S}/group.yaml:1:1 warning TW1011 ${S}/group.yaml is not read by tagway`,
      `${S}/services/petstore.yaml:1:1 warning TW1011 ${S}/services/petstore.yaml is not read by tagway`,
    ]);
  });
});

/**
 * A gateway group's consumers and consumer groups (gateway-groups/<group>/consumers/<username>.yaml,
 * consumer-groups/<name>.yaml): validated with positions, emitted with ownership labels into the
 * group's snapshot and standalone file, secret fields kept as references.
 */
import { describe, expect, it } from 'vitest';
import { compile } from '../src/compile/compile.js';
import { renderSnapshotStandalone } from '../src/compile/snapshot.js';
import { memoryInput } from './support/memory-repo.js';

const GROUP = 'name: staging\npublished: {}\n';
const G = 'gateway-groups/staging';
const GOLD = 'plugins:\n  limit-count:\n    count: 10\n    time_window: 60\n    rejected_code: 429\n';
const MOBILE = 'username: mobile\ngroup: gold\nlabels:\n  team: apps\nplugins:\n  key-auth:\n    key: env:MOBILE_KEY\n';

function run(files: Record<string, string>) {
  return compile(memoryInput({ files: { [`${G}/group.yaml`]: GROUP, ...files } }));
}

const found = (r: ReturnType<typeof run>) => r.diagnostics.map((d) => `${d.file}:${d.line}:${d.column} ${d.severity} ${d.code} ${d.message}`);

describe('consumers and consumer groups of a gateway group', () => {
  it('are emitted with the ownership labels, the group as group_id, references kept as written', () => {
    const result = run({ [`${G}/consumer-groups/gold.yaml`]: GOLD, [`${G}/consumers/mobile.yaml`]: MOBILE, [`${G}/consumers/ops.yaml`]: 'plugins:\n  basic-auth:\n    username: ops\n    password: file:secrets/ops\n' });
    expect(found(result)).toEqual([]);
    const [snapshot] = result.snapshots;
    const owner = { 'managed-by': 'tagway', 'tagway.group': 'staging' };
    expect(snapshot!.apisix.consumer_groups).toEqual([{ id: 'gold', labels: owner, name: 'gold', plugins: { 'limit-count': { count: 10, rejected_code: 429, time_window: 60 } } }]);
    expect(snapshot!.apisix.consumers).toEqual([
      { group_id: 'gold', id: 'mobile', labels: { ...owner, team: 'apps' }, plugins: { 'key-auth': { key: 'env:MOBILE_KEY' } }, username: 'mobile' },
      { id: 'ops', labels: owner, plugins: { 'basic-auth': { password: 'file:secrets/ops', username: 'ops' } }, username: 'ops' },
    ]);
    const yaml = renderSnapshotStandalone(snapshot!);
    expect(yaml).toContain('consumer_groups:\n  - id: gold\n');
    expect(yaml).toContain('consumers:\n  - group_id: gold\n');
    // APISIX keys a consumer by its username: the standalone item has no id.
    expect(yaml).not.toContain('id: mobile');
  });

  it('change the digest when a consumer changes', () => {
    const a = run({ [`${G}/consumers/mobile.yaml`]: 'plugins:\n  key-auth:\n    key: env:A\n' }).snapshots[0]!.digest;
    const b = run({ [`${G}/consumers/mobile.yaml`]: 'plugins:\n  key-auth:\n    key: env:B\n' }).snapshots[0]!.digest;
    expect(a).not.toBe(b);
  });

  it('report a group that does not exist, a username that is not the file name, at their place', () => {
    const result = run({ [`${G}/consumer-groups/gold.yaml`]: GOLD, [`${G}/consumers/mobile.yaml`]: 'username: mobil\ngroup: gols\n' });
    expect(found(result)).toEqual([
      `${G}/consumers/mobile.yaml:1:11 error TW3020 username "mobil" differs from the file name mobile`,
      `${G}/consumers/mobile.yaml:2:8 error TW3021 there is no consumer group gols in gateway group staging`,
    ]);
    expect(result.diagnostics[1]!.hint).toBe('Did you mean gold?');
    expect(result.snapshots).toEqual([]);
  });

  it('refuse a literal in a secret field, by name or by encrypt_fields, without repeating it', () => {
    const canary = 'canary-literal-7f3a9';
    const result = run({
      [`${G}/consumers/mobile.yaml`]: `plugins:\n  key-auth:\n    key: ${canary}\n  jwt-auth:\n    key: user\n    secret: $secret://vault/jwt\n`,
      [`${G}/consumers/ops.yaml`]: `plugins:\n  hmac-auth:\n    key_id: ops\n    secret_key: 12345\n  basic-auth:\n    username: ops\n    password: file:../outside\n`,
      [`${G}/consumers/web.yaml`]: `plugins:\n  limit-count:\n    count: 1\n    time_window: 1\n    redis_password: ${canary}\n`,
    });
    expect(found(result)).toEqual([
      `${G}/consumers/mobile.yaml:3:10 error TW3022 key-auth key holds a literal secret, not a reference`,
      // A reference, though not one APISIX can read (no key after the id).
      `${G}/consumers/mobile.yaml:6:13 warning TW3051 "$secret://vault/jwt" is not a secret reference APISIX can read`,
      `${G}/consumers/ops.yaml:4:17 error TW3022 hmac-auth secret_key holds a literal value, not a reference`,
      `${G}/consumers/ops.yaml:7:15 error TW3022 basic-auth password names a file outside the repository (file: takes a path relative to the repository root)`,
      `${G}/consumers/web.yaml:5:21 error TW3022 limit-count redis_password holds a literal secret, not a reference`,
    ]);
    expect(JSON.stringify(result.diagnostics)).not.toContain(canary);
  });

  it('make a literal a warning where tagway.yaml says literal_secrets: warn', () => {
    const result = run({ 'tagway.yaml': 'literal_secrets: warn\n', [`${G}/consumers/mobile.yaml`]: 'plugins:\n  key-auth:\n    key: test-key\n' });
    expect(found(result)).toEqual([`${G}/consumers/mobile.yaml:3:10 warning TW3022 key-auth key holds a literal secret, not a reference`]);
    expect(result.snapshots[0]!.apisix.consumers).toHaveLength(1);
  });

  it('are checked against their schema and APISIX schemas, with positions', () => {
    const result = run({
      [`${G}/consumers/mobile.yaml`]: 'plugins:\n  key-auth:\n    key: env:K\n    hide_credentials: maybe\n',
      [`${G}/consumer-groups/gold.yaml`]: 'desc: x\nplugin: {}\n',
    });
    expect(found(result).map((f) => f.replace(/ error (TW\d+).*/, ' $1'))).toEqual([`${G}/consumer-groups/gold.yaml:2:1 TW2001`]);
    const apisix = run({ [`${G}/consumer-groups/gold.yaml`]: 'plugins:\n  limit-count:\n    count: 1\n    time_window: 60\n    rejected_code: 99\n' });
    expect(found(apisix)).toEqual([expect.stringMatching(new RegExp(`^${G}/consumer-groups/gold.yaml:5:20 error TW4001 APISIX would reject consumer_group gold: /plugins/limit-count`))]);
  });

  it('refuse a file name APISIX would not take as a username', () => {
    expect(found(run({ [`${G}/consumers/no.dots.yaml`]: 'plugins: {}\n' }))).toEqual([
      `${G}/consumers/no.dots.yaml:1:1 error TW1012 "no.dots" in ${G}/consumers/no.dots.yaml is not a valid consumer username`,
    ]);
  });
});

/**
 * A gateway group's global rules and plugin metadata (gateway-groups/<group>/global-rules/<name>.yaml,
 * plugin-metadata/<plugin>.yaml): validated with positions, emitted into the group's snapshot and
 * standalone file, global rules under tagway's id and without labels, plugin metadata under its
 * plugin's name with the ownership labels.
 */
import { describe, expect, it } from 'vitest';
import { compile } from '../src/compile/compile.js';
import { renderSnapshotStandalone } from '../src/compile/snapshot.js';
import { memoryInput } from './support/memory-repo.js';

const G = 'gateway-groups/staging';
const owner = { 'managed-by': 'tagway', 'tagway.group': 'staging' };

function run(files: Record<string, string>) {
  return compile(memoryInput({ files: { [`${G}/group.yaml`]: 'name: staging\npublished: {}\n', ...files } }));
}

const found = (r: ReturnType<typeof run>) => r.diagnostics.map((d) => `${d.file}:${d.line}:${d.column} ${d.severity} ${d.code} ${d.message}`);

describe('global rules and plugin metadata of a gateway group', () => {
  it('are emitted: a global rule under tagway.<group>.<name> with its plugins only, metadata under its plugin with the labels', () => {
    const result = run({
      [`${G}/global-rules/metrics.yaml`]: 'plugins:\n  prometheus:\n    prefer_name: true\n',
      [`${G}/plugin-metadata/http-logger.yaml`]: 'log_format:\n  host: $host\n  client_ip: $remote_addr\nlabels:\n  team: platform\n',
      [`${G}/plugin-metadata/prometheus.yaml`]: 'disabled_labels:\n  http_status: [route]\n',
    });
    expect(found(result)).toEqual([]);
    const [snapshot] = result.snapshots;
    expect(snapshot!.apisix.global_rules).toEqual([{ id: 'tagway.staging.metrics', plugins: { prometheus: { prefer_name: true } } }]);
    expect(snapshot!.apisix.plugin_metadata).toEqual([
      { id: 'http-logger', labels: { ...owner, team: 'platform' }, log_format: { client_ip: '$remote_addr', host: '$host' } },
      { disabled_labels: { http_status: ['route'] }, id: 'prometheus', labels: owner },
    ]);
    const yaml = renderSnapshotStandalone(snapshot!);
    expect(yaml).toContain('global_rules:\n  - id: tagway.staging.metrics\n');
    expect(yaml).toContain('plugin_metadata:\n  - id: http-logger\n');
  });

  it('are checked against their schema and APISIX schemas, with positions', () => {
    expect(found(run({ [`${G}/global-rules/metrics.yaml`]: 'plugins: {}\nlabels:\n  a: b\n' })).map((f) => f.replace(/ error (TW\d+).*/, ' $1'))).toEqual([
      `${G}/global-rules/metrics.yaml:2:1 TW2001`,
    ]);
    expect(found(run({ [`${G}/global-rules/metrics.yaml`]: 'desc: x\n' })).map((f) => f.replace(/ error (TW\d+).*/, ' $1'))).toEqual([
      `${G}/global-rules/metrics.yaml:1:1 TW2001`,
      `${G}/global-rules/metrics.yaml:1:1 TW2002`,
    ]);
    expect(found(run({ [`${G}/plugin-metadata/prometheus.yaml`]: 'labels:\n  team: 7\n' })).map((f) => f.replace(/ error (TW\d+).*/, ' $1'))).toEqual([
      `${G}/plugin-metadata/prometheus.yaml:2:9 TW2003`,
    ]);
    expect(found(run({ [`${G}/plugin-metadata/prometheus.yaml`]: 'disabled_labels:\n  http_status: route\n' }))).toEqual([
      expect.stringMatching(new RegExp(`^${G}/plugin-metadata/prometheus.yaml:2:16 error TW4001 APISIX would reject plugin_metadata prometheus: /disabled_labels/http_status`)),
    ]);
    expect(found(run({ [`${G}/global-rules/limits.yaml`]: 'plugins:\n  limit-count:\n    count: 1\n    time_window: 60\n    rejected_code: 99\n' }))).toEqual([
      expect.stringMatching(new RegExp(`^${G}/global-rules/limits.yaml:5:20 error TW4001 APISIX would reject global_rule tagway.staging.limits: /plugins/limit-count`)),
    ]);
  });

  it('refuse a global rule name whose id would not fit APISIX\'s 64 characters, and a file name that is no plugin name', () => {
    const long = 'n'.repeat(26);
    expect(found(run({ [`${G}/global-rules/${long}.yaml`]: 'plugins: {}\n', [`${G}/plugin-metadata/Http.Logger.yaml`]: '{}\n' }))).toEqual([
      `${G}/global-rules/${long}.yaml:1:1 error TW1012 "${long}" in ${G}/global-rules/${long}.yaml is not a valid global rule name`,
      `${G}/plugin-metadata/Http.Logger.yaml:1:1 error TW1012 "Http.Logger" in ${G}/plugin-metadata/Http.Logger.yaml is not a valid plugin name`,
    ]);
    expect(found(run({ [`${G}/global-rules/${'n'.repeat(25)}.yaml`]: 'plugins: {}\n' }))).toEqual([]);
  });

  it('refuse a literal in a secret field of plugin metadata, and keep a reference as written', () => {
    const canary = 'canary-literal-5e1b';
    const literal = run({ [`${G}/plugin-metadata/azure-functions.yaml`]: `master_apikey: ${canary}\n` });
    expect(found(literal)).toEqual([`${G}/plugin-metadata/azure-functions.yaml:1:16 error TW3022 master_apikey holds a literal secret, not a reference`]);
    expect(JSON.stringify(literal.diagnostics)).not.toContain(canary);
    const reference = run({ [`${G}/plugin-metadata/azure-functions.yaml`]: 'master_apikey: env:AZURE_KEY\n' });
    expect(found(reference)).toEqual([]);
    expect(reference.snapshots[0]!.apisix.plugin_metadata).toEqual([{ id: 'azure-functions', labels: owner, master_apikey: 'env:AZURE_KEY' }]);
  });

  it('change the digest when a global rule or plugin metadata changes', () => {
    const digest = (files: Record<string, string>) => run(files).snapshots[0]!.digest;
    const base = digest({});
    const rule = digest({ [`${G}/global-rules/metrics.yaml`]: 'plugins:\n  prometheus: {}\n' });
    const meta = digest({ [`${G}/plugin-metadata/prometheus.yaml`]: 'disabled_labels: {}\n' });
    expect(new Set([base, rule, meta]).size).toBe(3);
  });
});

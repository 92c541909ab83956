/**
 * Plugin configs in a service's template (`plugin_configs:`, used by a route's `plugin_config:`):
 * emitted as APISIX plugin configs `<service>.<name>` with the service's ownership labels, the
 * route gets `plugin_config_id`, versioned with the service, into both files of the snapshot.
 */
import { describe, expect, it } from 'vitest';
import { compile } from '../src/compile/compile.js';
import { renderSnapshotStandalone } from '../src/compile/snapshot.js';
import { memoryInput } from './support/memory-repo.js';

const T = 'services/petstore/service.yaml';
const GROUP = 'name: staging\npublished:\n  petstore: 1.0.0\n';

const PETSTORE = `name: petstore
labels:
  team: pets
upstream:
  nodes:
    - host: 10.0.0.1
      port: 80
plugin_configs:
  auth:
    desc: key and limits
    labels:
      tier: gold
    plugins:
      key-auth: {}
      limit-count:
        count: 10
        time_window: 60
  open:
    plugins:
      cors: {}
routes:
  - name: list
    uris: [/pets]
    plugin_config: auth
  - name: docs
    uris: [/docs]
    plugin_config: open
`;

function run(template: string, overlay?: string) {
  const files: Record<string, string> = { [T]: template, 'gateway-groups/staging/group.yaml': GROUP };
  if (overlay !== undefined) files['gateway-groups/staging/services/petstore.yaml'] = overlay;
  return compile(memoryInput({ files, tags: { 'petstore/v1.0.0': template } }));
}

const found = (r: ReturnType<typeof run>) => r.diagnostics.map((d) => `${d.file}:${d.line}:${d.column} ${d.severity} ${d.code}`);
const owner = { 'managed-by': 'tagway', 'tagway.group': 'staging', 'tagway.service': 'petstore' };

describe('plugin configs of a service template', () => {
  it('are emitted as <service>.<name> with the ownership labels, and routes get their plugin_config_id', () => {
    const result = run(PETSTORE);
    expect(found(result)).toEqual([]);
    const apisix = result.snapshots[0]!.apisix;
    expect(apisix.plugin_configs).toEqual([
      {
        desc: 'key and limits',
        id: 'petstore.auth',
        labels: { ...owner, team: 'pets', tier: 'gold' },
        name: 'petstore.auth',
        plugins: { 'key-auth': {}, 'limit-count': { count: 10, time_window: 60 } },
      },
      { id: 'petstore.open', labels: { ...owner, team: 'pets' }, name: 'petstore.open', plugins: { cors: {} } },
    ]);
    expect(apisix.routes.map((r) => [r.id, r['plugin_config_id']])).toEqual([
      ['petstore.docs', 'petstore.open'],
      ['petstore.list', 'petstore.auth'],
    ]);
    // The version is the APISIX service's alone: a new version that keeps a plugin config keeps its object.
    expect(apisix.plugin_configs.every((p) => p.labels?.['tagway.version'] === undefined)).toBe(true);
    expect(renderSnapshotStandalone(result.snapshots[0]!)).toContain('plugin_configs:\n  - desc: key and limits\n    id: petstore.auth\n');
  });

  it('fit APISIX ids with the longest names a service and a plugin config may have', () => {
    const service = 's'.repeat(31);
    const name = 'p'.repeat(31);
    const template = PETSTORE.replace('name: petstore', `name: ${service}`).replace('  auth:', `  ${name}:`).replace('plugin_config: auth', `plugin_config: ${name}`);
    const files = { [`services/${service}/service.yaml`]: template, 'gateway-groups/staging/group.yaml': `name: staging\npublished:\n  ${service}: 1.0.0\n` };
    const result = compile(memoryInput({ files, tags: { [`${service}/v1.0.0`]: template } }));
    expect(found(result)).toEqual([]);
    expect(result.snapshots[0]!.apisix.plugin_configs.map((p) => p.id.length)).toEqual([`${service}.open`.length, 63]);
  });

  it("are checked against APISIX's plugin config schema, at the plugin's line", () => {
    const result = run(PETSTORE.replace('        time_window: 60\n', '        time_window: 60\n        rejected_code: 99\n'));
    expect(found(result)).toEqual([`${T}:18:24 error TW4001`]);
    expect(result.diagnostics[0]!.message).toMatch(/^APISIX would reject plugin_config petstore\.auth: \/plugins\/limit-count/);
  });

  it("strip the prefix from the uri with the plugin config's proxy-rewrite, which the route's own replaces", () => {
    const template = PETSTORE.replace('      cors: {}\n', '      cors: {}\n      proxy-rewrite:\n        headers:\n          set:\n            x-from: open\n');
    const result = run(template, 'path_prefix: /v1\nstrip_path_prefix: true\n');
    expect(found(result)).toEqual([]);
    const rewrite = (id: string) => result.snapshots[0]!.apisix.routes.find((r) => r.id === id)?.plugins?.['proxy-rewrite'];
    expect(rewrite('petstore.docs')).toEqual({ headers: { set: { 'x-from': 'open' } }, regex_uri: ['^/v1/?(.*)$', '/$1'] });
    expect(rewrite('petstore.list')).toEqual({ regex_uri: ['^/v1/?(.*)$', '/$1'] });
  });
});

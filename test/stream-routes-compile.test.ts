/**
 * Stream routes in a service's template (`stream_routes:`): emitted as APISIX stream routes
 * `<service>.<name>` to the service's upstream, with its ownership labels, checked against
 * APISIX's stream route schema and stream plugins.
 */
import { describe, expect, it } from 'vitest';
import { compile } from '../src/compile/compile.js';
import { renderSnapshotStandalone } from '../src/compile/snapshot.js';
import { memoryInput } from './support/memory-repo.js';

const T = 'services/mqtt/service.yaml';
const MQTT = `name: mqtt
labels:
  team: iot
upstream:
  nodes:
    - host: 10.0.0.7
      port: 1883
routes:
  - name: health
    uris: [/health]
stream_routes:
  - name: broker
    description: MQTT over TCP
    server_port: 9100
    plugins:
      ip-restriction:
        whitelist: [10.0.0.0/8]
  - name: tls
    server_addr: 127.0.0.1
    server_port: 9443
    sni: mqtt.example.com
    labels:
      tier: edge
`;

function run(template: string) {
  const files = { [T]: template, 'gateway-groups/staging/group.yaml': 'name: staging\npublished:\n  mqtt: 1.0.0\n' };
  return compile(memoryInput({ files, tags: { 'mqtt/v1.0.0': template } }));
}

const found = (r: ReturnType<typeof run>) => r.diagnostics.map((d) => `${d.file}:${d.line}:${d.column} ${d.severity} ${d.code}`);
const owner = { 'managed-by': 'tagway', 'tagway.group': 'staging', 'tagway.service': 'mqtt', team: 'iot' };

describe('stream routes of a service template', () => {
  it("are emitted as <service>.<name> to the service's upstream, with the ownership labels", () => {
    const result = run(MQTT);
    expect(found(result)).toEqual([]);
    const snapshot = result.snapshots[0]!;
    expect(snapshot.apisix.stream_routes).toEqual([
      { desc: 'MQTT over TCP', id: 'mqtt.broker', labels: owner, name: 'mqtt.broker', plugins: { 'ip-restriction': { whitelist: ['10.0.0.0/8'] } }, server_port: 9100, upstream_id: 'mqtt' },
      { id: 'mqtt.tls', labels: { ...owner, tier: 'edge' }, name: 'mqtt.tls', server_addr: '127.0.0.1', server_port: 9443, sni: 'mqtt.example.com', upstream_id: 'mqtt' },
    ]);
    expect(renderSnapshotStandalone(snapshot)).toContain('stream_routes:\n  - desc: MQTT over TCP\n    id: mqtt.broker\n');
  });

  it("are checked against APISIX's stream route schema and its stream plugins, at their line", () => {
    const result = run(MQTT.replace('    server_addr: 127.0.0.1\n', '    remote_addr: not-an-address\n').replace('      ip-restriction:', '      limit-count:'));
    expect(found(result)).toEqual([`${T}:17:9 error TW4001`, `${T}:19:18 error TW4001`]);
    // limit-count is an HTTP plugin: APISIX's stream subsystem has none of that name.
    expect(result.diagnostics[0]!.message).toBe('APISIX would reject stream_route mqtt.broker: /plugins/limit-count unknown plugin [limit-count]');
  });
});

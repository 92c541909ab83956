/**
 * The synthetic gateway (synthetic-gateway.ts): every object is one APISIX's Admin API accepts,
 * every reference names an object that is there, every kind is present, and the same size gives
 * the same bytes.
 */
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/core/canonical.js';
import { KINDS, bodyOf } from '../../src/apisix/kinds/index.js';
import { referencesOf } from '../../src/apisix/references.js';
import { validateApisixObject } from '../../src/apisix/validator/index.js';
import type { ApisixConfig } from '../../src/model/apisix.js';
import { buildSyntheticGateway, syntheticCertificates, syntheticGateway } from './synthetic-gateway.js';

/** Every object APISIX would refuse, as `<kind> <id>: <pointer> <message>`. */
function refusals(config: ApisixConfig): string[] {
  const out: string[] = [];
  for (const kind of KINDS) {
    if (kind.schema === null) continue;
    for (const obj of config[kind.name]) {
      const result = validateApisixObject(kind.schema, bodyOf(kind, obj), { id: obj.id, proxyMode: 'http&stream' });
      for (const e of result.errors) out.push(`${kind.name} ${obj.id}: ${e.pointer} ${e.message}`);
    }
  }
  return out;
}

/** Every reference to an object the configuration does not hold. */
function danglingReferences(config: ApisixConfig): string[] {
  const ids = new Map(KINDS.map((k) => [k.name, new Set(config[k.name].map((o) => o.id))]));
  const out: string[] = [];
  for (const kind of KINDS) {
    for (const obj of config[kind.name]) {
      for (const ref of referencesOf(kind, obj)) {
        if (!ids.get(ref.kind)?.has(ref.id)) out.push(`${kind.name} ${obj.id} → ${ref.kind} ${ref.id}`);
      }
    }
  }
  return out;
}

describe('synthetic gateway', () => {
  it.each([1, 7, 40])('of %i services holds only objects APISIX accepts, of every kind, each reference resolved', async (n) => {
    const config = await syntheticGateway(n);
    expect(refusals(config)).toEqual([]);
    expect(danglingReferences(config)).toEqual([]);
    for (const kind of KINDS) expect(config[kind.name].length, kind.name).toBeGreaterThan(0);
    expect(config.services).toHaveLength(n);
  });

  it('holds the shapes a hand-made gateway has', async () => {
    const config = await syntheticGateway(40);
    const routes = config.routes as readonly Record<string, unknown>[];
    const services = config.services as readonly Record<string, unknown>[];
    const upstreams = config.upstreams as readonly Record<string, unknown>[];
    expect(routes.some((r) => r.service_id === undefined && typeof r.upstream === 'object')).toBe(true);
    expect(routes.some((r) => r.plugin_config_id !== undefined)).toBe(true);
    expect(routes.some((r) => r.vars !== undefined && r.priority !== undefined)).toBe(true);
    expect(routes.some((r) => r.hosts !== undefined && r.service_id !== undefined)).toBe(true);
    expect(services.some((s) => typeof s.upstream === 'object')).toBe(true);
    expect(services.some((s) => typeof s.upstream_id === 'string')).toBe(true);
    expect(upstreams.some((u) => !Array.isArray(u.nodes))).toBe(true);
    expect(upstreams.some((u) => Array.isArray(u.nodes))).toBe(true);
    const auth = new Set(config.consumers.flatMap((c) => Object.keys(c.plugins ?? {})));
    expect([...auth].filter((p) => p.endsWith('-auth')).sort()).toEqual(['basic-auth', 'jwt-auth', 'key-auth']);
    for (const kind of KINDS) for (const obj of config[kind.name]) if (kind.id.field === 'id' && kind.name !== 'plugin_metadata' && kind.name !== 'secrets') expect(obj.id).toMatch(/^\d+$/);
    const counts = new Map<number, number>();
    for (const r of routes) if (typeof r.service_id === 'string') counts.set(Number(r.service_id), (counts.get(Number(r.service_id)) ?? 0) + 1);
    expect(new Set(counts.values())).toEqual(new Set([1, 2, 3, 4, 5]));
  });

  it('gives the same bytes for the same size, each kind sorted by id', async () => {
    const certificates = await syntheticCertificates();
    const a = canonicalJson(buildSyntheticGateway(60, certificates));
    expect(canonicalJson(buildSyntheticGateway(60, certificates))).toBe(a);
    const config = buildSyntheticGateway(60, certificates);
    for (const kind of KINDS) {
      const ids = config[kind.name].map((o) => o.id);
      expect(ids).toEqual([...ids].sort());
      expect(new Set(ids).size).toBe(ids.length);
    }
  });
});

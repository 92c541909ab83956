/**
 * The output files are put together from pieces rendered one service at a time (so that workers
 * can render them and the cache can keep them); they must be exactly what rendering the whole
 * snapshot at once gives: `JSON.stringify(sortKeys(snapshot), null, 2)` and js-yaml's `dump`.
 */
import { createHash } from 'node:crypto';
import { dump } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { canonicalJson, sortKeys } from '../src/core/canonical.js';
import { assembleSnapshot, configDigest, hashStrippedLines, renderPieces, renderSnapshotJson, renderSnapshotStandalone, snapshotCounts, snapshotJsonText } from '../src/compile/snapshot.js';
import type { RenderedPiece } from '../src/compile/snapshot.js';
import { DUMP_OPTIONS, renderStandaloneYaml, renderYamlDocument } from '../src/apisix/standalone-yaml.js';
import type { ApisixConfig, ApisixKind } from '../src/model/apisix.js';
import { KIND, emptyConfig } from '../src/apisix/kinds/index.js';
import type { Snapshot } from '../src/model/snapshot.js';
import { SNAPSHOT_FORMAT } from '../src/model/snapshot.js';

/** Deterministic pseudo-random numbers (the test must not depend on Math.random). */
function random(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}

const STRINGS = [
  '', ' ', 'a', 'yes', 'No', 'on', 'null', '~', 'true', '1', '1.0', '0x1f', '1e3', '-', '- a', 'a: b', 'a #b', '#x', "it's", '"q"', '@x',
  '`x', 'a\nb', 'a\n', '\n', 'a\n\n', ' lead', 'trail ', 'ü', '\t', '2001-12-14', '.inf', '.nan', '=', '<<', '*', '&a', '!t', '%x', '|', '>',
  '[a]', '{a}', 'a,b', '---', '...', '--- x', 'x'.repeat(1100), 'line1\nline2\n', '  indented\nx', '^/svc/(.*)', '$env://X', 'api.example.com',
  '10.0.0.1', '08', '+1', '1_000', 'NULL', '\u2028', '\x7f', 'a\u00a0b', 'Synthetic service 12', 'abc def', 'Yes please', '/items/*',
  '_under', 'a  b', 'x y ', 'True ', 'nullable', '😀 smile', '/svc-00001/items/*', 'a/**/b.*', 'ab *c', 'abc *', '*abcdef', '/p/*: x',
  '/p/* #x', 'files/*.yaml',
];
const KEYS = ['id', 'name', 'a b', 'yes', '1', 'x-y', 'key: v', '', '__proto__', 'a\nb', 'tagway.group', '?x', '-k', 'k'.repeat(1030), 'Z', 'é'];

function value(next: () => number, depth: number): unknown {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)]!;
  const r = next();
  if (depth > 3 || r < 0.45) {
    const t = next();
    if (t < 0.55) return pick(STRINGS);
    if (t < 0.7) return pick([0, 1, -1, 1.5, -0, 1e21, 2 ** 53, 2 ** 53 - 1, -(2 ** 53 - 1), 1e15, 0.1, 8080]);
    if (t < 0.85) return next() < 0.5;
    return null;
  }
  if (r < 0.7) return Array.from({ length: Math.floor(next() * 4) }, () => value(next, depth + 1));
  const o: Record<string, unknown> = {};
  for (let i = Math.floor(next() * 5); i > 0; i--) Object.defineProperty(o, pick(KEYS), { value: value(next, depth + 1), enumerable: true, writable: true, configurable: true });
  return o;
}

/** Objects as emit makes them: an id and labels, some ids `<service>.<name>`. */
function objects(next: () => number, service: string, kind: ApisixKind): { id: string }[] {
  const count = kind === 'services' ? 1 : kind === 'upstreams' ? 1 + Math.floor(next() * 2) : Math.floor(next() * 4);
  return Array.from({ length: count }, (_, i) => {
    const id = kind === 'routes' ? `${service}.r${Math.floor(next() * 50)}-${i}` : i === 0 ? service : `${service}.canary`;
    const body = value(next, 1);
    return { ...(body !== null && typeof body === 'object' && !Array.isArray(body) ? body : { extra: body }), id, labels: { 'tagway.service': service } };
  });
}

describe('the standalone file, item by item, is what js-yaml writes for the whole', () => {
  it('on thousands of documents with hard scalars, keys and nesting', () => {
    const next = random(7);
    for (let n = 0; n < 3000; n++) {
      const list = () => Array.from({ length: Math.floor(next() * 3) }, () => ({ id: 'x', ...(value(next, 1) as object), v: value(next, 2) }));
      const config = { consumer_groups: list(), consumers: list(), global_rules: list(), plugin_configs: list(), plugin_metadata: list(), routes: list(), secrets: list(), services: list(), ssls: list(), stream_routes: list(), upstreams: list() } as unknown as ApisixConfig;
      const expected = `${dump({ consumer_groups: config.consumer_groups, consumers: config.consumers.map(({ id: _id, ...body }) => body), global_rules: config.global_rules, plugin_configs: config.plugin_configs, plugin_metadata: config.plugin_metadata, routes: config.routes, secrets: config.secrets, services: config.services, ssls: config.ssls, stream_routes: config.stream_routes, upstreams: config.upstreams }, DUMP_OPTIONS)}#END\n`;
      expect(renderStandaloneYaml(config)).toBe(expected);
    }
  });
});

describe('a document of a mapping is what js-yaml writes for it', () => {
  it('on thousands of mappings with hard scalars, keys and nesting', () => {
    const next = random(11);
    for (let n = 0; n < 3000; n++) {
      const doc = value(next, 0);
      const mapping = doc !== null && typeof doc === 'object' && !Array.isArray(doc) ? (doc as Record<string, unknown>) : { value: doc, more: value(next, 1) };
      expect(renderYamlDocument(mapping)).toBe(dump(mapping, DUMP_OPTIONS));
    }
  });

  it('on an empty mapping and one with an empty list and mapping', () => {
    for (const mapping of [{}, { a: [], b: {} }, { a: [{}], b: [[]] }]) expect(renderYamlDocument(mapping)).toBe(dump(mapping, DUMP_OPTIONS));
  });
});

describe('snapshots put together from pieces', () => {
  it('equal the whole-snapshot rendering, in id order, whatever the service names', () => {
    const next = random(11);
    const names = ['a', 'a-b', 'a-b-c', 'ab', 'b', 'a0', 'z', 'a-', 'x-y', 'x', 'petstore', 'pet'];
    for (let n = 0; n < 200; n++) {
      const services = names.filter(() => next() < 0.6);
      const pieces: RenderedPiece[] = [];
      const config: { upstreams: unknown[]; services: unknown[]; routes: unknown[] } = { upstreams: [], services: [], routes: [] };
      for (const service of services) {
        for (const kind of ['upstreams', 'services', 'routes'] as const) {
          const list = objects(next, service, kind);
          const unique = list.filter((o, i) => list.findIndex((p) => p.id === o.id) === i);
          pieces.push(...renderPieces(service, KIND[kind], unique));
          config[kind].push(...unique);
        }
      }
      const byId = (a: unknown, b: unknown) => ((a as { id: string }).id < (b as { id: string }).id ? -1 : 1);
      const apisix = sortKeys({ ...emptyConfig(), upstreams: config.upstreams.sort(byId), services: config.services.sort(byId), routes: config.routes.sort(byId) }) as unknown as ApisixConfig;
      const provenance = { commit: null, services: [...services].sort().map((name) => ({ name, version: '1.0.0', tag: `${name}/v1.0.0`, commit: 'c', template: 't', overlay: null })) };
      const assembled = assembleSnapshot('g', [...provenance.services].reverse(), [...pieces].reverse(), { commit: null, draft: false });
      const { snapshot } = assembled;
      const whole = { apisix, digest: snapshot.digest, draft: false, format: SNAPSHOT_FORMAT, group: 'g', provenance };
      const text = renderSnapshotJson(assembled);
      expect(text).toBe(snapshotJsonText(whole as unknown as Snapshot));
      // What the file holds, and how: the outer structure indented, one object per line.
      expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(whole)));
      const lines = text.split('\n').filter((line) => line.startsWith('      {"'));
      expect(lines.map((line) => line.trim().replace(/,$/, ''))).toEqual(
        [...apisix.routes, ...apisix.services, ...apisix.upstreams].map((o) => canonicalJson(o)),
      );
      expect(renderSnapshotStandalone(assembled)).toBe(renderStandaloneYaml(apisix));
      expect(snapshot.digest).toBe(configDigest(apisix));
      // The objects are what the canonical JSON holds (JSON has no -0).
      expect(snapshot.apisix).toEqual(JSON.parse(JSON.stringify(apisix)));
      expect(snapshotCounts(assembled)).toEqual({ plugin_metadata: 0, secrets: 0, ssls: 0, upstreams: apisix.upstreams.length, consumer_groups: 0, consumers: 0, global_rules: 0, plugin_configs: 0, services: apisix.services.length, routes: apisix.routes.length, stream_routes: 0 });
    }
  });
});

describe('hashing snapshot.json lines as canonical JSON', () => {
  it('gives the digest of the lines without indents and line breaks, whatever the chunk size', () => {
    const next = random(5);
    for (let n = 0; n < 300; n++) {
      const lines = Array.from({ length: 1 + Math.floor(next() * 12) }, () => {
        const body = JSON.stringify({ id: 'x'.repeat(Math.floor(next() * 40)), é: next() < 0.2 ? 'ü😀' : 1 });
        return `      ${body}`;
      });
      const text = Buffer.from(lines.join(',\n'), 'utf8');
      // The block sits inside a larger buffer, as a piece's lines sit inside a file.
      const src = Buffer.concat([Buffer.from('{\n  x\n'), text, Buffer.from('\n}\n')]);
      const from = 6;
      const expected = createHash('sha256').update(lines.map((l) => l.slice(6)).join(','), 'utf8').digest('hex');
      for (const chunk of [1, 7, 30, 64, 2 ** 20]) {
        const hash = createHash('sha256');
        hashStrippedLines(hash, src, from, from + text.byteLength, chunk);
        expect(hash.digest('hex')).toBe(expected);
      }
    }
  });
});

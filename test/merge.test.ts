/**
 * Template ⊕ overlay, as base / overlay / expected triples: each runtime field of the overlay
 * replaces the template's whole; nothing else is taken from the overlay; inputs are not mutated.
 */
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { mergeService } from '../src/compile/merge.js';
import type { YamlFile } from '../src/load/yaml-file.js';
import type { OverlayEntry, TemplateEntry } from '../src/validate/entries.js';

function file(path: string, data: unknown): YamlFile {
  return { path, text: '', data, locate: (pointer) => ({ file: path, line: 1, column: 1, pointer }) };
}

function template(yaml: string): TemplateEntry {
  const data = parse(yaml);
  return { service: 'web', file: file('services/web/service.yaml', data), spec: data, tag: null };
}

function overlay(yaml: string): OverlayEntry {
  const data = parse(yaml);
  return { group: 'g', service: 'web', file: file('gateway-groups/g/services/web.yaml', data), spec: data };
}

const BASE = `
name: web
hosts: [a.example.com, b.example.com]
path_prefix: /web
upstream:
  type: chash
  key: remote_addr
  nodes: [{ host: 10.0.0.1, port: 80 }, { host: 10.0.0.2, port: 80 }]
routes: [{ name: home, uris: [/] }]
`;

interface Triple {
  readonly name: string;
  readonly overlay: string | null;
  readonly expected: {
    hosts?: unknown;
    pathPrefix?: unknown;
    nodes?: unknown;
    discovery?: unknown;
    from?: Record<string, string>;
  };
}

const triples: Triple[] = [
  {
    name: 'no overlay: the template defaults',
    overlay: null,
    expected: { hosts: ['a.example.com', 'b.example.com'], pathPrefix: '/web', nodes: [{ host: '10.0.0.1', port: 80 }, { host: '10.0.0.2', port: 80 }], discovery: null },
  },
  {
    name: 'a list replaces the whole list (no concatenation)',
    overlay: 'hosts: [c.example.com]\nupstream:\n  nodes: [{ host: 10.9.9.9, port: 8080 }]\n',
    expected: {
      hosts: ['c.example.com'],
      pathPrefix: '/web',
      nodes: [{ host: '10.9.9.9', port: 8080 }],
      discovery: null,
      from: { hosts: 'gateway-groups/g/services/web.yaml', pathPrefix: 'services/web/service.yaml' },
    },
  },
  {
    name: 'discovery in the overlay replaces the template nodes',
    overlay: 'upstream:\n  discovery: { type: dns, service_name: "web.internal:80" }\n',
    expected: { nodes: null, discovery: { type: 'dns', service_name: 'web.internal:80' } },
  },
  {
    name: 'an overlay without upstream keeps the template endpoints',
    overlay: 'path_prefix: /v2\n',
    expected: { pathPrefix: '/v2', nodes: [{ host: '10.0.0.1', port: 80 }, { host: '10.0.0.2', port: 80 }] },
  },
];

describe('merge', () => {
  for (const t of triples) {
    it(t.name, () => {
      const base = template(BASE);
      const over = t.overlay === null ? null : overlay(t.overlay);
      const before = JSON.stringify([base.spec, over?.spec]);
      const merged = mergeService(base, over, '1.0.0');
      const got = {
        hosts: merged.hosts?.value ?? null,
        pathPrefix: merged.pathPrefix?.value ?? null,
        nodes: merged.upstream.nodes?.value ?? null,
        discovery: merged.upstream.discovery?.value ?? null,
      };
      for (const [key, value] of Object.entries(t.expected)) {
        if (key === 'from') continue;
        expect(got[key as keyof typeof got]).toEqual(value);
      }
      for (const [key, path] of Object.entries(t.expected.from ?? {})) {
        const sourced = key === 'hosts' ? merged.hosts : merged.pathPrefix;
        expect(sourced?.from.file.path).toBe(path);
      }
      expect(merged.upstream.policy).toEqual({ type: 'chash', key: 'remote_addr' });
      expect(JSON.stringify([base.spec, over?.spec])).toBe(before);
    });
  }
});

import { readFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import type { ServiceTemplate } from '../model/config.js';
import { mergeTemplate, overlayText, templateText, type MergeResult, type TemplateChange } from './openapi-merge.js';
import { openApiToService } from './openapi.js';

const FIXTURE = 'test/fixtures/openapi/petstore-3.0.yaml';

function templateOf(text: string): ServiceTemplate {
  const result = openApiToService(text, FIXTURE, { group: 'staging' });
  if (!result.ok) throw new Error(JSON.stringify(result.diagnostics));
  return result.template;
}

function merged(existing: string, next: ServiceTemplate): { text: string; changes: readonly TemplateChange[] } {
  const result = mergeTemplate(existing, next);
  if (!result.ok) throw new Error(JSON.stringify(result.diagnostics));
  return result;
}

/** The template of the first import, then edited by hand: a comment, labels, plugins, health checks. */
const EDITED = `# yaml-language-server: $schema=../../schemas/service.schema.json
name: swagger-petstore
description: "Swagger Petstore: A sample pet store."
labels:
  team: adoption   # who to call
plugins:
  prometheus: {}
upstream:
  scheme: https
  checks:
    active:
      http_path: /healthz
routes:
  # the listing is public
  - name: list-pets
    description: List all pets
    uris: [/v1/pets]
    methods: [GET]
    plugins:
      proxy-cache: {}
  - name: create-pets
    description: Create a pet
    uris: [/v1/pets]
    methods: [POST]
    plugins:
      limit-count:
        count: 100
        time_window: 60
        rejected_code: 429
  - name: show-pet-by-id
    description: Info for a specific pet
    uris: [/v1/pets/*]
    methods: [GET]
    priority: 5
  - name: delete-pet
    uris: [/v1/pets/*]
    methods: [DELETE]
`;

describe('mergeTemplate: re-importing a changed document', () => {
  it('the same document changes nothing, byte for byte', () => {
    const result = merged(EDITED, templateOf(readFileSync(FIXTURE, 'utf8')));
    expect(result.changes).toEqual([]);
    expect(result.text).toBe(EDITED);
  });

  it('a template without a newline at its end is left as it is when nothing changes', () => {
    const text = EDITED.trimEnd();
    expect(merged(text, templateOf(readFileSync(FIXTURE, 'utf8'))).text).toBe(text);
  });

  it('a template written from the import is its own fixed point', () => {
    const template = templateOf(readFileSync(FIXTURE, 'utf8'));
    for (const text of [stringify(template), templateText(template)]) expect(mergeTemplate(text, template)).toEqual({ ok: true, text, changes: [] });
  });

  it('overlayText writes the overlay under its schema line', () => {
    expect(overlayText({ upstream: { nodes: [{ host: 'a.example.com', port: 443, weight: 1 }] } })).toBe(
      '# yaml-language-server: $schema=../../../schemas/overlay.schema.json\nupstream:\n  nodes:\n    - host: a.example.com\n      port: 443\n      weight: 1\n',
    );
  });

  it('templateText writes the template with its lists of a route inline', () => {
    const template = templateOf(readFileSync(FIXTURE, 'utf8'));
    const text = templateText(template);
    expect(parse(text)).toEqual(template);
    expect(text).toBe(EDITED.replace('labels:\n  team: adoption   # who to call\nplugins:\n  prometheus: {}\n', '')
      .replace('  checks:\n    active:\n      http_path: /healthz\n', '')
      .replace('  # the listing is public\n', '')
      .replace('    plugins:\n      proxy-cache: {}\n', '')
      .replace('    priority: 5\n', ''));
  });

  it('keeps hand-added plugins, labels, settings and comments, and reports an added, a removed and a changed route', () => {
    const changed = readFileSync(FIXTURE, 'utf8')
      .replace('    delete:\n      operationId: deletePet\n', '    put:\n      operationId: updatePet\n      summary: Update a pet\n')
      .replace('  /pets:\n', '  /animals:\n')
      .replace('count: 100', 'count: 50');
    const result = merged(EDITED, templateOf(changed));
    expect(result.changes).toEqual([
      { kind: 'changed', route: 'list-pets', field: 'uris' },
      { kind: 'changed', route: 'create-pets', field: 'uris' },
      { kind: 'changed', route: 'create-pets', field: 'plugins.limit-count' },
      { kind: 'added', route: 'update-pet' },
      { kind: 'removed', route: 'delete-pet' },
    ]);
    expect(result.text).toContain('# the listing is public\n');
    expect(result.text).toContain('team: adoption   # who to call\n');
    expect(result.text).toContain('# yaml-language-server: $schema=../../schemas/service.schema.json\n');
    expect(result.text).toContain('    uris: [/v1/animals]\n');
    expect(parse(result.text)).toEqual({
      name: 'swagger-petstore',
      description: 'Swagger Petstore: A sample pet store.',
      labels: { team: 'adoption' },
      plugins: { prometheus: {} },
      upstream: { scheme: 'https', checks: { active: { http_path: '/healthz' } } },
      routes: [
        { name: 'list-pets', description: 'List all pets', uris: ['/v1/animals'], methods: ['GET'], plugins: { 'proxy-cache': {} } },
        { name: 'create-pets', description: 'Create a pet', uris: ['/v1/animals'], methods: ['POST'], plugins: { 'limit-count': { count: 50, time_window: 60, rejected_code: 429 } } },
        { name: 'show-pet-by-id', description: 'Info for a specific pet', uris: ['/v1/pets/*'], methods: ['GET'], priority: 5 },
        { name: 'update-pet', description: 'Update a pet', uris: ['/v1/pets/*'], methods: ['PUT'] },
      ],
    });
    expect(result.text).toContain('  - name: update-pet\n    description: Update a pet\n    uris: [/v1/pets/*]\n    methods: [PUT]\n');
  });

  const base: ServiceTemplate = { name: 's', routes: [{ name: 'a', uris: ['/a'], methods: ['GET'] }] };
  const cases: { name: string; existing: string; next: ServiceTemplate; changes: TemplateChange[]; data: unknown }[] = [
    {
      name: 'a service plugin of the document is added beside a hand-added one',
      existing: 'name: s\nplugins:\n  prometheus: {}\nroutes:\n  - name: a\n    uris: [/a]\n    methods: [GET]\n',
      next: { ...base, plugins: { cors: {} } },
      changes: [{ kind: 'added', field: 'plugins.cors' }],
      data: { name: 's', plugins: { prometheus: {}, cors: {} }, routes: [{ name: 'a', uris: ['/a'], methods: ['GET'] }] },
    },
    {
      name: 'upstream settings of the document replace the template’s, others stay',
      existing: 'name: s\nupstream:\n  scheme: http\n  retries: 1\nroutes:\n  - name: a\n    uris: [/a]\n    methods: [GET]\n',
      next: { ...base, upstream: { scheme: 'https' } },
      changes: [{ kind: 'changed', field: 'upstream.scheme' }],
      data: { name: 's', upstream: { scheme: 'https', retries: 1 }, routes: [{ name: 'a', uris: ['/a'], methods: ['GET'] }] },
    },
    {
      name: 'methods and hosts of a route, and the service description',
      existing: 'name: s\ndescription: old\nroutes:\n  - name: a\n    uris: [/a]\n    methods: [GET]\n',
      next: { name: 's', description: 'new', routes: [{ name: 'a', uris: ['/a'], methods: ['POST'], hosts: ['a.example.com'] }] },
      changes: [
        { kind: 'changed', field: 'description' },
        { kind: 'changed', route: 'a', field: 'methods' },
        { kind: 'changed', route: 'a', field: 'hosts' },
      ],
      data: { name: 's', description: 'new', routes: [{ name: 'a', uris: ['/a'], methods: ['POST'], hosts: ['a.example.com'] }] },
    },
    {
      name: 'the name stays the folder’s',
      existing: 'name: s\nroutes:\n  - name: a\n    uris: [/a]\n    methods: [GET]\n',
      next: { ...base, name: 'other' },
      changes: [],
      data: { name: 's', routes: [{ name: 'a', uris: ['/a'], methods: ['GET'] }] },
    },
  ];
  it.each(cases)('$name', ({ existing, next, changes, data }) => {
    const result = merged(existing, next);
    expect(result.changes).toEqual(changes);
    expect(parse(result.text)).toEqual(data);
    expect(merged(existing, next).text).toBe(result.text);
  });

  const r = (name: string, extra = '') => ({ name, uris: ['/a'], methods: ['GET'], ...(extra ? { description: extra } : {}) });
  it.each([
    {
      name: 'a block list replaced keeps the comment after the key and the lines around',
      existing: 'name: s\nhosts: # where\n  - a.example.com\n# routes\nroutes:\n  - name: a\n    uris: [/a]\n    methods: [GET]\n',
      next: { name: 's', hosts: ['b.example.com', 'c.example.com'], routes: [r('a')] },
      text: 'name: s\nhosts:\n  - b.example.com\n  - c.example.com\n# routes\nroutes:\n  - name: a\n    uris: [/a]\n    methods: [GET]\n',
    },
    {
      name: 'plugins added to a route without any, and to an inline mapping',
      existing: 'name: s\nplugins: {}\nroutes:\n  - name: a\n    uris: [/a]   # the root\n    methods: [GET]\n',
      next: { name: 's', plugins: { cors: {} }, routes: [{ ...r('a'), plugins: { 'limit-req': { rate: 1, burst: 0, key: 'remote_addr' } } }] },
      text: 'name: s\nplugins: {cors: {}}\nroutes:\n  - name: a\n    uris: [/a]   # the root\n    methods: [GET]\n    plugins:\n      limit-req:\n        rate: 1\n        burst: 0\n        key: remote_addr\n',
    },
    {
      name: 'the last route removed with its comment, a new one appended, no newline at the end',
      existing: 'name: s\nroutes:\n  - name: a\n    uris: [/a]\n    methods: [GET]\n\n  # old\n  - name: b\n    uris: [/a]\n    methods: [POST]',
      next: { name: 's', routes: [r('a'), { name: 'c', uris: ['/c'], methods: ['PUT'] }] },
      text: 'name: s\nroutes:\n  - name: a\n    uris: [/a]\n    methods: [GET]\n\n  - name: c\n    uris: [/c]\n    methods: [PUT]\n',
    },
    {
      name: 'an empty value given one, a quoted string kept as written when unchanged',
      existing: "name: s\ndescription:\nroutes:\n  - name: a\n    description: 'same'\n    uris: [/a]\n    methods: [GET]\n",
      next: { name: 's', description: 'new: one', routes: [r('a', 'same')] },
      text: "name: s\ndescription: \"new: one\"\nroutes:\n  - name: a\n    description: 'same'\n    uris: [/a]\n    methods: [GET]\n",
    },
  ])('text: $name', ({ existing, next, text }) => {
    const result = merged(existing, next as ServiceTemplate);
    expect(result.text).toBe(text);
    expect(parse(result.text)).toEqual({ ...parse(existing), ...next, routes: next.routes.map((route) => ({ ...(parse(existing).routes.find((o: { name: string }) => o.name === route.name) ?? {}), ...route })) });
  });

  it('a template that is not YAML is an error at its position', () => {
    const result: MergeResult = mergeTemplate('name: s\nroutes: [\n', base, 'services/s/service.yaml');
    expect(!result.ok && result.diagnostics.map((d) => `${d.file}:${d.line}:${d.column} ${d.code}`)).toEqual(['services/s/service.yaml:3:1 TW1005']);
  });
});

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compile } from '../compile/compile.js';
import { memoryInput } from '../../test/support/memory-repo.js';
import { overlayText, templateText } from './openapi-merge.js';
import { apisixUri, openApiToService, toName, type OpenApiResult, type OpenApiService } from './openapi.js';

const FIXTURES = 'test/fixtures/openapi';
const fixture = (name: string) => readFileSync(`${FIXTURES}/${name}`, 'utf8');

function imported(text: string, path = 'api.yaml', options: { name?: string; group?: string } = {}): OpenApiService {
  const result = openApiToService(text, path, { group: 'staging', ...options });
  if (!result.ok) throw new Error(`expected an import, got ${JSON.stringify(result.diagnostics)}`);
  return result;
}

const routesOf = (s: OpenApiService) => s.template.routes.map((r) => `${r.name} ${r.methods?.join(',')} ${r.uris.join(',')}`);

describe('openApiToService: documents → a template and an overlay', () => {
  const cases: { name: string; file: string; service: string; routes: string[]; nodes: string[] | null; unexpressed: string[]; check?: (s: OpenApiService) => void }[] = [
    {
      name: 'OpenAPI 3.0 (YAML): servers with variables, a shared base path, path parameters widened, a callback left out',
      file: 'petstore-3.0.yaml',
      service: 'swagger-petstore',
      routes: ['list-pets GET /v1/pets', 'create-pets POST /v1/pets', 'show-pet-by-id GET /v1/pets/*', 'delete-pet DELETE /v1/pets/*'],
      nodes: ['eu.petstore.example.com:8443', 'backup.petstore.example.com:8443'],
      unexpressed: ['/paths/~1pets~1{petId}~1photos/get/callbacks'],
      check: (s) => {
        expect(s.template.description).toBe('Swagger Petstore: A sample pet store.');
        expect(s.template.upstream).toEqual({ scheme: 'https' });
        expect(s.template.routes[1]!.plugins).toEqual({ 'limit-count': { count: 100, time_window: 60, rejected_code: 429 } });
        expect(s.template.routes[0]!.description).toBe('List all pets');
        // Two operations on one widened uri and method share a route, and the notes say so.
        expect(s.notes).toContain('GET /pets/{petId}/photos shares route show-pet-by-id with GET /pets/{petId}: both match /v1/pets/*.');
        // Security is suggested, never added.
        expect(s.notes.some((n) => n.includes('key-auth: { header: X-API-Key }'))).toBe(true);
        expect(JSON.stringify(s.template)).not.toContain('key-auth');
      },
    },
    {
      name: 'OpenAPI 3.1 (JSON): x-tagway-* extensions, an operationId clash, a webhook left out',
      file: 'petstore-3.1.json',
      service: 'pets',
      routes: ['all-pets GET /pets', 'list-pets POST /pets', 'get-pet GET /pets/*', 'list-pets-2 PUT /pets/*', 'delete-pets-id DELETE /pets/*'],
      nodes: ['10.0.0.5:8080', '10.0.0.6:8080'],
      unexpressed: ['/webhooks'],
      check: (s) => {
        expect(s.template.hosts).toEqual(['pets.example.com']);
        expect(s.template.plugins).toEqual({ cors: { allow_origins: 'https://pets.example.com' } });
        expect(s.template.upstream).toEqual({ scheme: 'http', type: 'roundrobin', retries: 2, timeout: { connect: 3, send: 10, read: 10 } });
        // Path-level plugins reach every operation of the path.
        expect(s.template.routes[0]!.plugins).toEqual({ 'limit-req': { rate: 10, burst: 5, key: 'remote_addr' } });
        expect(s.template.routes[1]!.plugins).toEqual({ 'limit-req': { rate: 10, burst: 5, key: 'remote_addr' } });
        expect(s.template.routes[2]!.plugins).toBeUndefined();
      },
    },
    {
      name: 'Swagger 2.0: host, basePath and schemes are the server',
      file: 'swagger-2.0.yaml',
      service: 'orders-api',
      routes: ['list-orders GET /api/orders', 'get-order GET /api/orders/*'],
      nodes: ['orders.example.com:443'],
      unexpressed: [],
      check: (s) => expect(s.notes.some((n) => n.startsWith("Security scheme basic: HTTP basic authentication; APISIX's basic-auth"))).toBe(true),
    },
  ];
  it.each(cases)('$name', ({ file, service, routes, nodes, unexpressed, check }) => {
    const s = imported(fixture(file), `${FIXTURES}/${file}`);
    expect(s.name).toBe(service);
    expect(s.template.name).toBe(service);
    expect(routesOf(s)).toEqual(routes);
    expect(s.overlay?.upstream?.nodes?.map((n) => `${n.host}:${n.port}`) ?? null).toEqual(nodes);
    expect(s.unexpressed.map((u) => u.field)).toEqual(unexpressed);
    expect(s.unexpressed.every((u) => u.kind === 'openapi' && u.id === `${FIXTURES}/${file}`)).toBe(true);
    check?.(s);
  });

  it.each(cases)('$file: the template and overlay, as written, compile in a group that publishes them', ({ file }) => {
    const s = imported(fixture(file), `${FIXTURES}/${file}`);
    const template = templateText(s.template);
    const files: Record<string, string> = {
      [`services/${s.name}/service.yaml`]: template,
      'gateway-groups/staging/group.yaml': `name: staging\npublished:\n  ${s.name}: 1.0.0\n`,
    };
    if (s.overlay) files[`gateway-groups/staging/services/${s.name}.yaml`] = overlayText(s.overlay);
    const result = compile(memoryInput({ files, tags: { [`${s.name}/v1.0.0`]: template } }));
    expect(result.diagnostics.map((d) => `${d.file}:${d.line} ${d.code} ${d.message}`)).toEqual([]);
    expect(result.snapshots[0]!.apisix.routes).toHaveLength(s.template.routes.length);
  });

  it.each(cases)('$file: the same document gives the same bytes', ({ file }) => {
    const once = JSON.stringify(imported(fixture(file), file));
    expect(JSON.stringify(imported(fixture(file), file))).toBe(once);
    // Key order inside a mapping does not decide what is made: only the order of paths does.
    if (!file.endsWith('.yaml')) return;
    const reordered = `${fixture(file).trimEnd().split(/\n(?=\S)/).reverse().join('\n')}\n`;
    expect(reordered).not.toBe(fixture(file));
    expect(JSON.stringify(imported(reordered, file))).toBe(once);
  });
});

describe('servers', () => {
  const doc = (servers: string) => `openapi: 3.0.0\ninfo: { title: t, version: '1' }\nservers:\n${servers}paths:\n  /a: { get: { operationId: a } }\n`;
  const cases = [
    { name: 'ports from the scheme', servers: '  - url: http://a.example.com\n  - url: https://b.example.com\n', nodes: ['a.example.com:80'], uris: ['/a'], unexpressed: ['/servers/1/url'] },
    { name: 'duplicates made one', servers: '  - url: http://a.example.com/v2/\n  - url: http://a.example.com:80/v2\n', nodes: ['a.example.com:80'], uris: ['/v2/a'], unexpressed: [] },
    { name: 'another base path left out', servers: '  - url: http://a.example.com/v1\n  - url: http://b.example.com/v2\n', nodes: ['a.example.com:80'], uris: ['/v1/a'], unexpressed: ['/servers/1/url'] },
    { name: 'a relative URL gives the base path only', servers: '  - url: /api\n', nodes: null, uris: ['/api/a'], unexpressed: ['/servers/0/url'] },
    { name: 'a variable without a default', servers: '  - url: http://{host}.example.com\n    variables: { host: { enum: [a] } }\n', nodes: null, uris: ['/a'], unexpressed: ['/servers/0/url'] },
    { name: 'IPv6 hosts keep their brackets', servers: '  - url: http://[::1]:8080\n', nodes: ['[::1]:8080'], uris: ['/a'], unexpressed: [] },
    { name: 'credentials in the URL are left out', servers: '  - url: https://user:CANARY-pw@a.example.com\n', nodes: ['a.example.com:443'], uris: ['/a'], unexpressed: ['/servers/0/url'] },
    { name: 'not http', servers: '  - url: ftp://a.example.com\n', nodes: null, uris: ['/a'], unexpressed: ['/servers/0/url'] },
  ];
  it.each(cases)('$name', ({ servers, nodes, uris, unexpressed }) => {
    const s = imported(doc(servers));
    expect(JSON.stringify(s)).not.toContain('CANARY');
    expect(s.overlay?.upstream?.nodes?.map((n) => `${n.host}:${n.port}`) ?? null).toEqual(nodes);
    expect(s.template.routes.map((r) => r.uris[0])).toEqual(uris);
    expect(s.unexpressed.map((u) => u.field)).toEqual(unexpressed);
  });

  it('without a server the notes say the group needs nodes', () => {
    const s = imported('openapi: 3.1.0\ninfo: { title: t, version: "1" }\npaths:\n  /a: { get: {} }\n', 'api.yaml', { group: 'prod' });
    expect(s.overlay).toBeNull();
    expect(s.notes).toContain('No server names a backend host: give the service upstream nodes (or discovery) in gateway-groups/prod/services/t.yaml before publishing it there.');
  });
});

describe('names', () => {
  const base = (extra: string, info = "info: { title: Pet Store API, version: '1' }\n") => `openapi: 3.0.0\n${info}${extra}paths:\n  /a: { get: {} }\n`;
  it.each([
    { name: 'x-tagway-name wins over the title', text: base('x-tagway-name: shop\n'), options: {}, expected: 'shop' },
    { name: 'the option wins over x-tagway-name', text: base('x-tagway-name: shop\n'), options: { name: 'given' }, expected: 'given' },
    { name: 'the title made a name', text: base(''), options: {}, expected: 'pet-store-api' },
    { name: 'the file name when the title gives none', text: base('', "info: { title: '***', version: '1' }\n"), options: {}, expected: 'my-api' },
  ])('$name', ({ text, options, expected }) => {
    expect(imported(text, 'specs/My_API.yaml', options).name).toBe(expected);
  });

  it.each([
    ['listPets', 'list-pets'],
    ['get_pet_by_id', 'get-pet-by-id'],
    ['HTTPServerStatus', 'http-server-status'],
    ['Café Crème', 'cafe-creme'],
    ['--', ''],
    ['a'.repeat(40), 'a'.repeat(31)],
    [`${'a'.repeat(30)}-b`, 'a'.repeat(30)],
  ])('toName(%j) is %j', (text, expected) => {
    expect(toName(text)).toBe(expected);
  });

  it('clashing derived names get -2, -3 (shortened to stay names), explicit names are kept', () => {
    const long = 'x'.repeat(31);
    const s = imported(`openapi: 3.0.0
info: { title: t, version: '1' }
paths:
  /a:
    get: { operationId: ${long} }
    put: { operationId: ${long} }
    post: { operationId: ${long} }
    delete: { operationId: b, x-tagway-route-name: ${long} }
`);
    expect(s.template.routes.map((r) => r.name)).toEqual([`${'x'.repeat(29)}-2`, `${'x'.repeat(29)}-3`, `${'x'.repeat(29)}-4`, long]);
  });

  it('operations on one uri and method share a route when their hosts are the same, the service\'s counted', () => {
    const s = imported(`openapi: 3.0.0
info: { title: t, version: '1' }
x-tagway-hosts: [a.example.com]
paths:
  /p/{id}:
    get: { operationId: one, x-tagway-hosts: [a.example.com] }
  /p/{id}/q:
    get: { operationId: two }
  /p/{id}/r:
    get: { operationId: three, x-tagway-hosts: [b.example.com] }
`);
    expect(routesOf(s)).toEqual(['one GET /p/*', 'three GET /p/*']);
  });

  it('an operation without operationId is named by method and path', () => {
    expect(imported('openapi: 3.0.0\ninfo: { title: t, version: "1" }\npaths:\n  /users/{userId}/orders: { get: {} }\n  /: { post: {} }\n').template.routes.map((r) => r.name)).toEqual([
      'get-users-user-id-orders',
      'post',
    ]);
  });
});

describe('apisixUri', () => {
  it.each([
    ['/pets', '/pets'],
    ['/pets/{petId}', '/pets/*'],
    ['/pets/{petId}/photos/{photoId}', '/pets/*'],
    ['/files/{name}.json', '/files/*'],
    ['/{tenant}/pets', '/*'],
    ['/v1/', '/v1/'],
  ])('%s → %s', (path, uri) => {
    expect(apisixUri(path)).toBe(uri);
  });
});

describe('errors name the file, line and column', () => {
  const ok = "openapi: 3.0.0\ninfo: { title: t, version: '1' }\n";
  const cases: { name: string; text: string; options?: { name: string }; expected: string[] }[] = [
    { name: 'not a mapping', text: '- a\n', expected: ['api.yaml:1:1 TW5101'] },
    { name: 'no openapi key', text: 'name: petstore\n', expected: ['api.yaml:1:1 TW5101'] },
    { name: 'an unsupported version', text: 'openapi: 3.2.0\npaths: {}\n', expected: ['api.yaml:1:10 TW5102'] },
    { name: 'Swagger 1.2', text: 'swagger: "1.2"\n', expected: ['api.yaml:1:10 TW5102'] },
    { name: 'no paths', text: ok, expected: ['api.yaml:1:1 TW5103'] },
    { name: 'paths not a mapping', text: `${ok}paths: [a]\n`, expected: ['api.yaml:3:8 TW5103'] },
    { name: 'a path without /', text: `${ok}paths:\n  pets: { get: {} }\n`, expected: ['api.yaml:4:3 TW5103'] },
    { name: 'no operation', text: `${ok}paths:\n  /pets: {}\n`, expected: ['api.yaml:4:3 TW5103'] },
    { name: 'an operation not a mapping', text: `${ok}paths:\n  /pets:\n    get: yes\n`, expected: ['api.yaml:5:10 TW5103'] },
    { name: 'a $ref to nothing', text: `${ok}paths:\n  /pets:\n    $ref: '#/components/pathItems/none'\n`, expected: ['api.yaml:5:11 TW5103'] },
    { name: 'invalid YAML', text: `${ok}paths: {\n`, expected: ['api.yaml:4:1 TW1005'] },
    { name: 'invalid JSON', text: '{"openapi": "3.1.0",, "paths": {}}', expected: ['api.yaml:1:21 TW1005'] },
    { name: 'a duplicate key', text: `${ok}paths: {}\npaths: {}\n`, expected: ['api.yaml:4:1 TW1006'] },
    { name: 'an unknown x-tagway extension', text: `${ok}x-tagway-plugin: {}\npaths:\n  /a: { get: {} }\n`, expected: ['api.yaml:3:1 TW5104'] },
    { name: 'an extension among the paths', text: `${ok}paths:\n  x-tagway-plugins: {}\n  /a: { get: {} }\n`, expected: ['api.yaml:4:3 TW5104'] },
    { name: 'an extension of another level', text: `${ok}paths:\n  /a:\n    get: { x-tagway-upstream: {} }\n`, expected: ['api.yaml:5:12 TW5104'] },
    { name: 'an invalid x-tagway-name', text: `${ok}x-tagway-name: Pet Store\npaths:\n  /a: { get: {} }\n`, expected: ['api.yaml:3:16 TW5104'] },
    { name: 'an invalid route name', text: `${ok}paths:\n  /a: { get: { x-tagway-route-name: A_B } }\n`, expected: ['api.yaml:4:37 TW5104'] },
    { name: 'one route name twice', text: `${ok}paths:\n  /a: { get: { x-tagway-route-name: x } }\n  /b: { get: { x-tagway-route-name: x } }\n`, expected: ['api.yaml:5:37 TW5104'] },
    { name: 'plugins not a mapping', text: `${ok}paths:\n  /a: { get: { x-tagway-plugins: [cors] } }\n`, expected: ['api.yaml:4:34 TW5104'] },
    { name: 'an unknown upstream setting', text: `${ok}x-tagway-upstream:\n  type: roundrobin\n  retry: 2\npaths:\n  /a: { get: {} }\n`, expected: ['api.yaml:5:3 TW2001'] },
    { name: 'a wrong upstream value', text: `${ok}x-tagway-upstream:\n  type: random\npaths:\n  /a: { get: {} }\n`, expected: ['api.yaml:4:9 TW2003'] },
    { name: 'a bad host', text: `${ok}paths:\n  /a:\n    x-tagway-hosts: ['a b']\n    get: {}\n`, expected: ['api.yaml:5:22 TW2003'] },
    { name: 'an invalid name option', text: `${ok}paths:\n  /a: { get: {} }\n`, options: { name: 'Bad' }, expected: ['undefined:undefined:undefined TW5106'] },
  ];
  it.each(cases)('$name', ({ text, options, expected }) => {
    const result = openApiToService(text, 'api.yaml', { group: 'staging', ...options });
    expect(result.ok).toBe(false);
    const diagnostics = (result as Extract<OpenApiResult, { ok: false }>).diagnostics;
    expect(diagnostics.map((d) => `${d.file}:${d.line}:${d.column} ${d.code}`)).toEqual(expected);
    expect(diagnostics.every((d) => d.hint !== undefined && d.hint.length > 0)).toBe(true);
  });

  it('a finding about the template made points into the document', () => {
    const result = openApiToService("openapi: 3.0.0\ninfo: { title: t, version: '1' }\npaths:\n  /a:\n    x-tagway-hosts: ['a b']\n    get: {}\n", 'api.yaml', { group: 'g' });
    expect(!result.ok && result.diagnostics.map((d) => [d.pointer, d.message])).toEqual([
      ['/paths/~1a/x-tagway-hosts/0', expect.stringContaining('`routes[0].hosts[0]`') as unknown],
    ]);
  });

  it('a typo of an extension gets a did-you-mean hint', () => {
    const result = openApiToService("openapi: 3.0.0\ninfo: { title: t, version: '1' }\npaths:\n  /a: { get: { x-tagway-plugin: {} } }\n", 'api.yaml', { group: 'g' });
    expect(!result.ok && result.diagnostics[0]!.hint).toBe('Did you mean `x-tagway-plugins`?');
  });

  it('never repeats a secret value of the document', () => {
    const canary = 'CANARY-5ecret-value';
    const result = openApiToService(
      `openapi: 3.0.0\ninfo: { title: t, version: '1' }\nx-tagway-upstream:\n  tls: { client_key: ${canary}, verify: ${canary} }\npaths:\n  /a: { get: {} }\n`,
      'api.yaml',
      { group: 'g' },
    );
    expect(result.ok).toBe(false);
    expect(JSON.stringify(result)).not.toContain(canary);
  });
});

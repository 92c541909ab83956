/**
 * The registry of kinds, one row per kind: what each declares and what the stages derive from it.
 * A new kind adds a row here (README.md, "Adding a kind").
 */
import { describe, expect, it } from 'vitest';
import type { ApisixObject } from '../../model/apisix.js';
import { describeObject, referencesOf } from '../references.js';
import {
  KIND,
  KINDS,
  KINDS_TO_DELETE,
  KIND_NAMES,
  REFERRER_KIND,
  REFERRER_KINDS,
  STANDALONE_LISTS,
  bodyKey,
  bodyOf,
  configOf,
  kindNamed,
  objectPath,
  phaseOrder,
  standaloneItemsOf,
  type KindDescriptor,
} from './index.js';
import { REGISTRY } from './registry.js';

const owned = { 'managed-by': 'tagway', 'tagway.group': 'staging' };
const split = { 'traffic-split': { rules: [{ weighted_upstreams: [{ upstream_id: 'canary', weight: 10 }, { weight: 90 }] }] } };

interface Row {
  readonly kind: KindDescriptor;
  readonly path: string;
  /** A body as a gateway returns it, and the id tagway reads from it. */
  readonly body: Readonly<Record<string, unknown>>;
  readonly id: string;
  readonly labels: boolean;
  readonly serverFields: readonly string[];
  /** Place among creates and updates, and among deletes. */
  readonly upsert: number;
  readonly delete: number;
  /** An object of the kind and the objects it refers to. */
  readonly sample: Readonly<Record<string, unknown>>;
  readonly refs: readonly string[];
  readonly standalone: string;
  readonly secretFields: readonly string[];
  readonly schema: string | null;
}

const TIMESTAMPS = ['create_time', 'update_time', 'modifiedIndex'];

const ROWS: readonly Row[] = [
  {
    kind: KIND.upstreams,
    path: '/apisix/admin/upstreams/petstore.canary',
    body: { id: 'petstore.canary', nodes: [] },
    id: 'petstore.canary',
    labels: true,
    serverFields: TIMESTAMPS,
    upsert: 3,
    delete: 7,
    sample: { id: 'petstore', service_id: 'ignored', nodes: [], tls: { client_cert_id: 'mtls' } },
    refs: ['ssls/mtls'],
    standalone: 'upstreams',
    secretFields: ['/tls/client_key'],
    schema: 'upstream',
  },
  {
    kind: KIND.services,
    path: '/apisix/admin/services/petstore',
    body: { id: 'petstore' },
    id: 'petstore',
    labels: true,
    serverFields: TIMESTAMPS,
    upsert: 8,
    delete: 2,
    sample: { id: 'petstore', upstream_id: 'petstore', plugins: split, upstream: { nodes: [], tls: { client_cert_id: 'mtls' } } },
    refs: ['upstreams/petstore', 'upstreams/canary', 'ssls/mtls'],
    standalone: 'services',
    secretFields: ['/upstream/tls/client_key'],
    schema: 'service',
  },
  {
    kind: KIND.routes,
    path: '/apisix/admin/routes/petstore.list',
    body: { id: 7 },
    id: '7',
    labels: true,
    serverFields: TIMESTAMPS,
    upsert: 9,
    delete: 1,
    sample: { id: 'petstore.list', upstream_id: 'direct', service_id: 'petstore', plugins: split, plugin_config_id: 'petstore.auth', upstream: { nodes: [], tls: { client_cert_id: 'mtls' } } },
    refs: ['services/petstore', 'upstreams/direct', 'upstreams/canary', 'plugin_configs/petstore.auth', 'ssls/mtls'],
    standalone: 'routes',
    secretFields: ['/upstream/tls/client_key'],
    schema: 'route',
  },
  {
    kind: KIND.consumer_groups,
    path: '/apisix/admin/consumer_groups/gold',
    body: { id: 'gold', plugins: {} },
    id: 'gold',
    labels: true,
    serverFields: TIMESTAMPS,
    upsert: 4,
    delete: 6,
    sample: { id: 'gold', plugins: split },
    refs: ['upstreams/canary'],
    standalone: 'consumer_groups',
    secretFields: [],
    schema: 'consumer_group',
  },
  {
    kind: KIND.consumers,
    path: '/apisix/admin/consumers/mobile',
    body: { username: 'mobile', plugins: {} },
    id: 'mobile',
    labels: true,
    serverFields: TIMESTAMPS,
    upsert: 5,
    delete: 5,
    sample: { id: 'mobile', username: 'mobile', group_id: 'gold', plugins: split },
    refs: ['consumer_groups/gold', 'upstreams/canary'],
    standalone: 'consumers',
    secretFields: ['/plugins/basic-auth/password', '/plugins/hmac-auth/secret_key', '/plugins/jwt-auth/secret', '/plugins/jwt-auth/private_key', '/plugins/key-auth/key'],
    schema: 'consumer',
  },
  {
    kind: KIND.ssls,
    path: '/apisix/admin/ssls/www',
    body: { id: 'www', snis: ['www.example.com'] },
    id: 'www',
    labels: true,
    serverFields: TIMESTAMPS,
    upsert: 2,
    delete: 8,
    sample: { id: 'www', snis: ['www.example.com'], cert: 'c', key: 'k' },
    refs: [],
    standalone: 'ssls',
    secretFields: ['/key', '/keys'],
    schema: 'ssl',
  },
  {
    kind: KIND.global_rules,
    path: '/apisix/admin/global_rules/tagway.staging.metrics',
    body: { id: 'tagway.staging.metrics', plugins: {} },
    id: 'tagway.staging.metrics',
    labels: false,
    serverFields: TIMESTAMPS,
    upsert: 6,
    delete: 4,
    sample: { id: 'tagway.staging.metrics', plugins: split },
    refs: ['upstreams/canary'],
    standalone: 'global_rules',
    secretFields: [],
    schema: 'global_rule',
  },
  {
    kind: KIND.plugin_metadata,
    path: '/apisix/admin/plugin_metadata/http-logger',
    body: { id: 'http-logger', log_format: { host: '$host' } },
    id: 'http-logger',
    labels: true,
    serverFields: TIMESTAMPS,
    upsert: 0,
    delete: 10,
    sample: { id: 'http-logger', log_format: { host: '$host' } },
    refs: [],
    standalone: 'plugin_metadata',
    secretFields: ['/master_apikey'],
    schema: 'plugin_metadata',
  },
  {
    kind: KIND.plugin_configs,
    path: '/apisix/admin/plugin_configs/petstore.auth',
    body: { id: 'petstore.auth', plugins: {} },
    id: 'petstore.auth',
    labels: true,
    serverFields: TIMESTAMPS,
    upsert: 7,
    delete: 3,
    sample: { id: 'petstore.auth', upstream_id: 'ignored', plugins: split },
    refs: ['upstreams/canary'],
    standalone: 'plugin_configs',
    secretFields: [],
    schema: 'plugin_config',
  },
  {
    kind: KIND.stream_routes,
    path: '/apisix/admin/stream_routes/petstore.tcp',
    body: { id: 'petstore.tcp', server_port: 9100 },
    id: 'petstore.tcp',
    labels: true,
    serverFields: TIMESTAMPS,
    upsert: 10,
    delete: 0,
    sample: { id: 'petstore.tcp', upstream_id: 'petstore', service_id: 'svc', plugins: split },
    refs: ['services/svc', 'upstreams/petstore'],
    standalone: 'stream_routes',
    secretFields: [],
    schema: 'stream_route',
  },
  {
    kind: KIND.secrets,
    path: '/apisix/admin/secrets/vault/prod',
    body: { id: 'vault/prod', uri: 'https://vault.example:8200', prefix: 'kv/apisix', token: '$env://VAULT_TOKEN' },
    id: 'vault/prod',
    labels: true,
    serverFields: TIMESTAMPS,
    upsert: 1,
    delete: 9,
    sample: { id: 'vault/prod', uri: 'https://vault.example:8200', prefix: 'kv/apisix', token: '$env://VAULT_TOKEN' },
    refs: [],
    standalone: 'secrets',
    secretFields: ['/token', '/secret_access_key', '/session_token', '/auth_config/private_key'],
    schema: 'secret',
  },
];

describe('the registered kinds', () => {
  it('are the rows of this table, and the registry lists each once under its name', () => {
    expect(ROWS.map((r) => r.kind.name).sort()).toEqual([...KIND_NAMES].sort());
    for (const [name, kind] of Object.entries(REGISTRY)) expect(kind.name).toBe(name);
    expect(KINDS.map((k) => kindNamed(k.name))).toEqual(KINDS);
  });

  for (const row of ROWS) {
    describe(row.kind.name, () => {
      const kind = row.kind;
      it('has its Admin API paths', () => {
        expect(objectPath(kind, row.path.slice(`/apisix/admin/${kind.admin.list}/`.length))).toBe(row.path);
        expect(kind.admin.list).toBe(kind.name);
      });

      it('takes the id of a read object from its id field', () => {
        expect(String(bodyKey(kind, row.body))).toBe(row.id);
        expect(bodyKey(kind, {})).toBeUndefined();
      });

      it(`is owned ${row.labels ? 'by its labels' : 'by its declared rule'}`, () => {
        expect(kind.ownership.labels).toBe(row.labels);
        if (!row.labels) return;
        expect(kind.ownership.claimedBy({ id: 'x', labels: owned })).toBe('staging');
        expect(kind.ownership.claimedBy({ id: 'x', labels: { 'tagway.group': 'staging' } })).toBeNull();
        expect(kind.ownership.claimedBy({ id: 'x' })).toBeNull();
        expect(kind.ownership.adopt('route r', 'staging')).toContain('"tagway.group": "staging"');
      });

      it('ignores the server fields of the gateway', () => {
        expect(kind.serverFields).toEqual(row.serverFields);
      });

      it('is written and deleted in its place', () => {
        expect(KINDS.indexOf(kind)).toBe(row.upsert);
        expect(KINDS_TO_DELETE.indexOf(kind)).toBe(row.delete);
      });

      it('refers to the objects APISIX checks before a delete', () => {
        expect(referencesOf(kind, row.sample).map((r) => `${r.kind}/${r.id}`)).toEqual(row.refs);
      });

      it('has its list in the standalone file, bodies keyed by its id field', () => {
        expect(kind.standalone.key).toBe(row.standalone);
        expect(bodyOf(kind, row.body as ApisixObject)).toEqual(row.body);
        expect(bodyOf(kind, { ...row.body, id: row.id } as ApisixObject)).toEqual(kind.id.field === 'id' ? { ...row.body, id: row.id } : row.body);
      });

      it('masks its declared secret fields and is checked against its schema', () => {
        expect(kind.secretFields).toEqual(row.secretFields);
        expect(kind.schema).toBe(row.schema);
      });
    });
  }

  it('are created after every kind they refer to, and deleted before them', () => {
    for (const kind of KINDS) {
      for (const rule of kind.references) {
        if (rule.kind !== kind.name) expect(KINDS.indexOf(kindNamed(rule.kind))).toBeLessThan(KINDS.indexOf(kind));
      }
    }
    expect(KINDS_TO_DELETE).toEqual([...KINDS].reverse());
  });

  it('have one standalone list per key, in code-point order', () => {
    expect(STANDALONE_LISTS.map((l) => [l.key, l.kinds.map((k) => k.name)])).toEqual([
      ['consumer_groups', ['consumer_groups']],
      ['consumers', ['consumers']],
      ['global_rules', ['global_rules']],
      ['plugin_configs', ['plugin_configs']],
      ['plugin_metadata', ['plugin_metadata']],
      ['routes', ['routes']],
      ['secrets', ['secrets']],
      ['services', ['services']],
      ['ssls', ['ssls']],
      ['stream_routes', ['stream_routes']],
      ['upstreams', ['upstreams']],
    ]);
  });

  it('name objects in messages', () => {
    expect(describeObject('routes', 'petstore.list')).toBe('route petstore.list');
    expect(describeObject('plugin_configs', 'p1')).toBe('plugin config p1');
  });

  it('make a configuration with a list per kind', () => {
    expect(Object.keys(configOf(() => []))).toEqual(KIND_NAMES);
  });
});

describe('the kinds read for their references', () => {
  it('are none: every kind of APISIX that can use an upstream or a service is one tagway writes', () => {
    expect(REFERRER_KINDS).toEqual([]);
    expect(REFERRER_KIND).toEqual({});
    const using = KINDS.filter((k) => k.references.some((r) => r.kind === 'upstreams' || r.kind === 'services')).map((k) => k.name);
    expect(using.sort()).toEqual(['consumer_groups', 'consumers', 'global_rules', 'plugin_configs', 'routes', 'services', 'stream_routes']);
  });
});

describe('what a kind module can declare beyond the three kinds', () => {
  const base = KIND.routes;
  const kind = (name: string, references: KindDescriptor['references'], extra: Partial<KindDescriptor> = {}): KindDescriptor =>
    ({ ...base, name, references, ...extra }) as unknown as KindDescriptor;

  it('orders kinds by their references, kinds that do not depend on each other by name', () => {
    const a = kind('a', [{ kind: 'routes', at: ['x'] }]);
    const b = kind('b', []);
    const c = kind('c', [{ kind: 'b' as 'routes', at: ['b_id'] }]);
    expect(phaseOrder([a, c, KIND.routes, b, KIND.services, KIND.upstreams, KIND.ssls]).map((k) => k.name)).toEqual(['b', 'c', 'ssls', 'upstreams', 'services', 'routes', 'a']);
    expect(KIND_NAMES).toEqual(['plugin_metadata', 'secrets', 'ssls', 'upstreams', 'consumer_groups', 'consumers', 'global_rules', 'plugin_configs', 'services', 'routes', 'stream_routes']);
  });

  it('refuses references that go round in a circle', () => {
    const x = kind('x', [{ kind: 'y' as 'routes', at: ['y_id'] }]);
    const y = kind('y', [{ kind: 'x' as 'routes', at: ['x_id'] }]);
    expect(() => phaseOrder([x, y])).toThrow(/circle: x, y/);
  });

  it('keys objects by a body field, which bodies sent to the gateway keep instead of the id', () => {
    const consumers = kind('consumers', [], { id: { field: 'username' } });
    expect(bodyKey(consumers, { username: 'jack', plugins: {} })).toBe('jack');
    expect(bodyOf(consumers, { id: 'jack', username: 'jack' })).toEqual({ username: 'jack' });
  });

  it('puts ids with a slash into the path segment by segment', () => {
    const secrets = kind('secrets', [], { admin: { list: 'secrets', object: 'secrets/{id}' } });
    expect(objectPath(secrets, 'vault/my key')).toBe('/apisix/admin/secrets/vault/my%20key');
    expect(objectPath(KIND.routes, 'a b')).toBe('/apisix/admin/routes/a%20b');
  });

  it('shares a standalone key with another kind, each taking the items it holds', () => {
    const credentials = kind('credentials', [], { standalone: { key: 'consumers', holds: (item) => item['id'] !== undefined } });
    const items = [{ username: 'jack' }, { id: 'jack/credentials/k1' }];
    expect(standaloneItemsOf(credentials, items)).toEqual([{ id: 'jack/credentials/k1' }]);
    expect(standaloneItemsOf(KIND.routes, items)).toEqual(items);
  });
});

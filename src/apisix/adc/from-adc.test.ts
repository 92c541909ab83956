import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../core/errors.js';
import { adcSchemaErrors } from '../../../test/support/adc-schema.js';
import { adcId, readAdc } from './from-adc.js';

const PEM = `-----BEGIN CERTIFICATE-----\n${'A'.repeat(160)}\n-----END CERTIFICATE-----`;

/** An ADC file with one of everything, and the objects ADC's backend writes for it. */
const FULL = `
services:
  - name: petstore
    description: Pets
    labels: { team: adoption, tiers: [gold, silver] }
    hosts: [pets.example.com]
    plugins: { cors: {} }
    upstream:
      type: roundrobin
      nodes: [{ host: 10.0.0.1, port: 8080, weight: 1 }]
    upstreams:
      - name: canary
        nodes: [{ host: 10.0.0.2, port: 8080, weight: 1 }]
    routes:
      - name: list-pets
        description: List them
        uris: [/pets]
        methods: [GET]
      - id: pet
        name: pet
        uris: [/pets/*]
  - name: mqtt
    upstream:
      scheme: tcp
      nodes: [{ host: 10.0.0.3, port: 1883, weight: 1 }]
    stream_routes:
      - name: broker
        server_port: 9100
ssls:
  - snis: [pets.example.com, www.example.com]
    certificates:
      - certificate: "\${PET_CERT}"
        key: "\${PET_KEY}"
consumers:
  - username: alice
    credentials:
      - name: main
        type: key-auth
        config: { key: "\${ALICE_KEY}" }
consumer_groups:
  - name: gold
    plugins: { limit-count: { count: 10, time_window: 60 } }
    consumers:
      - username: bob
        plugins: { key-auth: { key: "$env://BOB_KEY" } }
global_rules:
  prometheus: { prefer_name: true }
plugin_metadata:
  http-logger: { log_format: { host: $host } }
`;

const petstore = adcId('petstore');
const mqtt = adcId('mqtt');
const gold = adcId('gold');

describe('readAdc', () => {
  it('reads a real ADC file (its own schema takes the input)', () => {
    const env = { PET_CERT: PEM, PET_KEY: 'k'.repeat(64), ALICE_KEY: 'alice-key' };
    expect(adcSchemaErrors(load(FULL), env)).toEqual([]);
  });

  it('gives each object the id and fields ADC writes on the gateway', () => {
    const { format, origin, config, unexpressed } = readAdc(FULL, 'adc.yaml');
    expect({ format, origin, unexpressed }).toEqual({ format: 'adc', origin: 'adc.yaml', unexpressed: [] });
    expect(config.services).toEqual([
      { id: mqtt, name: 'mqtt', upstream_id: mqtt },
      {
        id: petstore,
        name: 'petstore',
        desc: 'Pets',
        labels: { team: 'adoption', tiers: '["gold","silver"]' },
        hosts: ['pets.example.com'],
        plugins: { cors: {} },
        upstream_id: petstore,
      },
    ].sort((a, b) => (a.id < b.id ? -1 : 1)));
    expect(config.upstreams).toEqual(
      [
        { id: petstore, name: 'petstore', type: 'roundrobin', nodes: [{ host: '10.0.0.1', port: 8080, weight: 1 }] },
        { id: adcId('petstore.canary'), name: 'canary', nodes: [{ host: '10.0.0.2', port: 8080, weight: 1 }], labels: { __ADC_UPSTREAM_SERVICE_ID: petstore } },
        { id: mqtt, name: 'mqtt', scheme: 'tcp', nodes: [{ host: '10.0.0.3', port: 1883, weight: 1 }] },
      ].sort((a, b) => (a.id < b.id ? -1 : 1)),
    );
    expect(config.routes).toEqual(
      [
        { id: adcId('petstore.list-pets'), name: 'list-pets', desc: 'List them', uris: ['/pets'], methods: ['GET'], service_id: petstore },
        { id: 'pet', name: 'pet', uris: ['/pets/*'], service_id: petstore },
      ].sort((a, b) => (a.id < b.id ? -1 : 1)),
    );
    expect(config.stream_routes).toEqual([{ id: adcId('mqtt.broker'), server_port: 9100, labels: { __ADC_NAME: 'broker' }, service_id: mqtt }]);
    expect(config.ssls).toEqual([
      { id: adcId('pets.example.com,www.example.com'), snis: ['pets.example.com', 'www.example.com'], cert: 'env:PET_CERT', key: 'env:PET_KEY' },
    ]);
    expect(config.consumer_groups).toEqual([
      { id: gold, name: 'gold', labels: { ADC_NAME: 'gold' }, plugins: { 'limit-count': { count: 10, time_window: 60 } } },
    ]);
    expect(config.consumers).toEqual([
      { id: 'alice', username: 'alice', plugins: { 'key-auth': { key: 'env:ALICE_KEY' } } },
      { id: 'bob', username: 'bob', plugins: { 'key-auth': { key: '$env://BOB_KEY' } }, group_id: gold },
    ]);
    expect(config.global_rules).toEqual([{ id: 'prometheus', plugins: { prometheus: { prefer_name: true } } }]);
    expect(config.plugin_metadata).toEqual([{ id: 'http-logger', log_format: { host: '$host' } }]);
    expect(config.plugin_configs).toEqual([]);
    expect(config.secrets).toEqual([]);
  });

  it('gives the same objects whatever the order of the file', () => {
    const doc = load(FULL) as { services: unknown[] };
    const reversed = JSON.stringify({ ...doc, services: [...doc.services].reverse() });
    expect(readAdc(reversed, 'adc.yaml').config).toEqual(readAdc(FULL, 'adc.yaml').config);
  });

  it('takes SSL certificates after the first as `certs` and `keys`', () => {
    const text = `ssls:\n  - id: two\n    snis: [a.example.com]\n    certificates:\n      - { certificate: ${JSON.stringify(PEM)}, key: k1 }\n      - { certificate: "\${C2}", key: "\${K2}" }\n`;
    expect(readAdc(text, 'adc.yaml').config.ssls).toEqual([
      { id: 'two', snis: ['a.example.com'], cert: PEM, key: 'k1', certs: ['env:C2'], keys: ['env:K2'] },
    ]);
  });

  const unexpressedCases: { name: string; text: string; expected: unknown[]; check?: (config: ReturnType<typeof readAdc>['config']) => void }[] = [
    {
      name: "a service's path prefix, which ADC's APISIX backend does not write",
      text: 'services:\n  - name: s\n    path_prefix: /api\n    strip_path_prefix: true\n',
      expected: [
        { kind: 'services', id: adcId('s'), field: '/path_prefix', reason: expect.stringContaining('path_prefix') },
        { kind: 'services', id: adcId('s'), field: '/strip_path_prefix', reason: expect.stringContaining('strip_path_prefix') },
      ],
    },
    {
      name: 'a second credential of one type',
      text: 'consumers:\n  - username: u\n    credentials:\n      - { name: a, type: key-auth, config: { key: k1 } }\n      - { name: b, type: key-auth, config: { key: k2 } }\n',
      expected: [{ kind: 'consumers', id: 'u', field: '/credentials/b', reason: expect.stringContaining('key-auth') }],
      check: (config) => expect(config.consumers[0]!.plugins).toEqual({ 'key-auth': { key: 'k1' } }),
    },
    {
      name: '`${NAME}` where tagway resolves no reference (kept as written)',
      text: 'services:\n  - name: s\n    plugins: { proxy-rewrite: { headers: { set: { X-Token: "Bearer ${TOKEN}" } } } }\n',
      expected: [{ kind: 'services', id: adcId('s'), field: '/plugins/proxy-rewrite/headers/set/X-Token', reason: expect.stringContaining('${NAME}') }],
      check: (config) => expect(config.services[0]!.plugins).toEqual({ 'proxy-rewrite': { headers: { set: { 'X-Token': 'Bearer ${TOKEN}' } } } }),
    },
    {
      name: '`${NAME}` in a global rule and in plugin metadata',
      text: 'global_rules:\n  http-logger: { uri: "${LOG_URI}" }\nplugin_metadata:\n  http-logger: { log_format: { host: "\\\\${HOST}", env: "${ENV}" } }\n',
      expected: [
        { kind: 'global_rules', id: 'http-logger', field: '/plugins/http-logger/uri', reason: expect.stringContaining('${NAME}') },
        { kind: 'plugin_metadata', id: 'http-logger', field: '/log_format/env', reason: expect.stringContaining('${NAME}') },
      ],
      check: (config) => expect(config.plugin_metadata).toEqual([{ id: 'http-logger', log_format: { host: '${HOST}', env: '${ENV}' } }]),
    },
    {
      name: "ADC's escape `\\${NAME}`: the text itself, nothing to report",
      text: 'services:\n  - name: s\n    plugins: { echo: { body: "\\\\${HOST}" } }\n',
      expected: [],
      check: (config) => expect(config.services[0]!.plugins).toEqual({ echo: { body: '${HOST}' } }),
    },
  ];
  it.each(unexpressedCases)('reports $name', ({ text, expected, check }) => {
    const read = readAdc(text, 'adc.yaml');
    expect(read.unexpressed).toEqual(expected);
    check?.(read.config);
  });

  const errorCases: { name: string; text: string; at: string; message: RegExp }[] = [
    { name: 'malformed YAML', text: 'services:\n  - name: [s\n', at: 'adc.yaml:3:1', message: /./ },
    { name: 'a document that is a list', text: '- a\n', at: 'adc.yaml:1:1', message: /mapping/ },
    { name: 'an unknown top-level key, with the near one', text: 'service:\n  - name: s\n', at: 'adc.yaml:1:1', message: /has no field `service`/ },
    { name: 'services that are not a list', text: 'services:\n  name: s\n', at: 'adc.yaml:2:3', message: /`services` must be a list, not a object/ },
    { name: 'a service without a name', text: 'services:\n  - hosts: [a]\n', at: 'adc.yaml:2:5', message: /a service needs `name`/ },
    { name: 'an unknown field of a route', text: 'services:\n  - name: s\n    routes:\n      - name: r\n        uri: /a\n', at: 'adc.yaml:5:9', message: /a route has no field `uri`/ },
    { name: 'two services of one name', text: 'services:\n  - name: s\n  - name: s\n', at: 'adc.yaml:3:5', message: /two services get the id `[0-9a-f]{40}` \(the other at line 2\)/ },
    { name: 'upstreams without the default upstream', text: 'services:\n  - name: s\n    upstreams:\n      - { name: u, nodes: [] }\n', at: 'adc.yaml:4:7', message: /has `upstreams` but no `upstream`/ },
    { name: 'a credential of no known type', text: 'consumers:\n  - username: u\n    credentials:\n      - { name: c, type: oauth, config: {} }\n', at: 'adc.yaml:4:26', message: /type `oauth`, which is no credential type/ },
    { name: 'an SSL without certificates', text: 'ssls:\n  - snis: [a.example.com]\n    certificates: []\n', at: 'adc.yaml:3:19', message: /at least one certificate/ },
    { name: 'an id ADC refuses', text: 'services:\n  - name: s\n    id: "a b"\n', at: 'adc.yaml:3:9', message: /`id` must be/ },
  ];
  it.each(errorCases)('refuses $name, naming file, line and column', ({ text, at, message }) => {
    let error: unknown;
    try {
      readAdc(text, 'adc.yaml');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message.startsWith(`${at}: `)).toBe(true);
    expect((error as UserError).message).toMatch(message);
    expect((error as UserError).hint).toBeTruthy();
  });
});

describe('a whole gateway in one file', () => {
  it('reads a file larger than a config file may be', () => {
    const services = Array.from({ length: 14000 }, (_, i) => `  - name: service-${i}\n    upstream: { nodes: [{ host: 10.0.${i % 250}.1, port: 80, weight: 1 }] }\n    routes:\n      - { name: all, uris: [/s${i}/*], methods: [GET, POST] }\n`);
    const text = `services:\n${services.join('')}`;
    expect(text.length).toBeGreaterThan(2 * 1024 * 1024);
    expect(readAdc(text, 'adc.yaml').config.routes).toHaveLength(14000);
  });
});

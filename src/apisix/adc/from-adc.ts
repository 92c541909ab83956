/**
 * Reads an ADC file (API7's declarative configuration for APISIX, `adc sync -f adc.yaml`) as the
 * objects ADC's APISIX backend writes to a gateway for it, so that a repository imported from the
 * file compares equal to a gateway ADC synced. The mapping (README.md beside this file) follows
 * ADC's `ToADC`/`FromADC` transforms and its differ's ids.
 */
import { createHash } from 'node:crypto';
import { UserError } from '../../core/errors.js';
import { didYouMean } from '../../core/did-you-mean.js';
import { parseYamlFile, type YamlFile } from '../../load/yaml-file.js';
import type { ApisixConfig, ApisixKind, ApisixObject } from '../../model/apisix.js';
import type { GatewaySource, Unexpressed } from '../../model/gateway-source.js';
import { configOf } from '../kinds/index.js';
import { escapePointer as escape, syncResolvedPointers as secretPointers } from './sync-references.js';
import { ADC_FIELDS as FIELDS, ADC_NAME_LABEL, ADC_STREAM_ROUTE_NAME_LABEL, ADC_UPSTREAM_SERVICE_LABEL, CREDENTIAL_TYPES, ENV_REFERENCE, ESCAPED_ENV_REFERENCE } from './names.js';

/** ADC's id for an object it was given no `id` for: the SHA-1 of its name (of `<service>.<name>` for what a service holds). */
export function adcId(name: string): string {
  return createHash('sha1').update(name).digest('hex');
}

type Json = Readonly<Record<string, unknown>>;

/**
 * The gateway objects an ADC file stands for, with ADC's ids, and what APISIX objects cannot hold
 * as `unexpressed`. Malformed YAML or a wrong shape is a UserError naming file, line and column.
 */
export function readAdc(text: string, path: string): GatewaySource {
  // A whole gateway's file: not held to the size of one config file.
  const parsed = parseYamlFile({ path, bytes: new TextEncoder().encode(text) }, Number.POSITIVE_INFINITY);
  if (!parsed.ok) {
    const d = parsed.diagnostics[0]!;
    throw new UserError(`${d.file}:${d.line}:${d.column}: ${d.message}`, d.hint ?? 'Fix the YAML of the ADC file.');
  }
  return new AdcReader(parsed.file).read();
}

class AdcReader {
  private readonly objects: { [K in ApisixKind]: Map<string, { readonly object: ApisixObject; readonly pointer: string }> } = {
    consumer_groups: new Map(), consumers: new Map(), global_rules: new Map(), plugin_configs: new Map(), plugin_metadata: new Map(),
    routes: new Map(), secrets: new Map(), services: new Map(), ssls: new Map(), stream_routes: new Map(), upstreams: new Map(),
  };
  private readonly unexpressed: Unexpressed[] = [];

  constructor(private readonly file: YamlFile) {}

  read(): GatewaySource {
    const data = this.file.data ?? {};
    const root = this.object(data, '', 'the ADC file', FIELDS.root);
    this.list(root['services'], '/services', (s, p) => this.service(s, p));
    this.list(root['ssls'], '/ssls', (s, p) => this.ssl(s, p));
    this.list(root['consumers'], '/consumers', (c, p) => this.consumer(c, p, undefined));
    this.list(root['consumer_groups'], '/consumer_groups', (g, p) => this.consumerGroup(g, p));
    for (const [plugin, config] of this.entries(root['global_rules'], '/global_rules')) {
      this.add('global_rules', this.env({ id: plugin, plugins: { [plugin]: config } }, 'global_rules', plugin), `/global_rules/${escape(plugin)}`);
    }
    for (const [plugin, config] of this.entries(root['plugin_metadata'], '/plugin_metadata')) {
      const pointer = `/plugin_metadata/${escape(plugin)}`;
      this.add('plugin_metadata', this.env({ ...this.object(config, pointer, `plugin_metadata.${plugin}`, null), id: plugin }, 'plugin_metadata', plugin), pointer);
    }
    const config: ApisixConfig = configOf((kind) =>
      [...this.objects[kind.name].values()].map((o) => o.object).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
    );
    const unexpressed = [...this.unexpressed].sort(
      (a, b) => cmp(a.kind, b.kind) || cmp(a.id, b.id) || cmp(a.field ?? '', b.field ?? ''),
    );
    return { format: 'adc', origin: this.file.path, config, unexpressed };
  }

  private service(value: unknown, pointer: string): void {
    const s = this.object(value, pointer, 'a service', FIELDS.service);
    const name = this.string(s, 'name', pointer, 'a service');
    const id = this.id(s, pointer, name);
    const upstream = s['upstream'] === undefined ? undefined : this.upstream(s['upstream'], `${pointer}/upstream`, false);
    if (s['upstreams'] !== undefined && upstream === undefined) {
      this.fail(`${pointer}/upstreams`, `service \`${name}\` has \`upstreams\` but no \`upstream\``, 'ADC requires the default upstream in `upstream` when more are listed in `upstreams`.');
    }
    if (upstream !== undefined) this.add('upstreams', this.env({ ...upstream, id, name }, 'upstreams', id), `${pointer}/upstream`);
    this.add('services', this.env(compact({
      id,
      name,
      desc: s['description'],
      labels: this.labels(s, pointer),
      hosts: s['hosts'],
      plugins: s['plugins'],
      upstream_id: upstream === undefined ? undefined : id,
    }), 'services', id), pointer);
    for (const field of ['path_prefix', 'strip_path_prefix'] as const) {
      if (s[field] !== undefined) {
        this.unexpressed.push({ kind: 'services', id, field: `/${field}`, reason: `ADC's APISIX backend does not write \`${field}\`: no APISIX service holds it, and the routes' uris are taken as written` });
      }
    }
    this.list(s['upstreams'], `${pointer}/upstreams`, (u, p) => {
      const extra = this.upstream(u, p, true);
      const upstreamName = this.string(extra, 'name', p, 'an upstream of `upstreams`');
      const upstreamId = this.id(extra, p, `${name}.${upstreamName}`);
      const labels = { ...((extra['labels'] as Json | undefined) ?? {}), [ADC_UPSTREAM_SERVICE_LABEL]: id };
      this.add('upstreams', this.env({ ...extra, id: upstreamId, labels }, 'upstreams', upstreamId), p);
    });
    this.list(s['routes'], `${pointer}/routes`, (r, p) => this.route(r, p, name, id));
    this.list(s['stream_routes'], `${pointer}/stream_routes`, (r, p) => this.streamRoute(r, p, name, id));
  }

  private upstream(value: unknown, pointer: string, listed: boolean): Record<string, unknown> {
    const u = this.object(value, pointer, 'an upstream', listed ? [...FIELDS.upstream, 'id'] : FIELDS.upstream);
    const { description, labels: _labels, ...rest } = u;
    return compact({ ...rest, desc: description, labels: this.labels(u, pointer) });
  }

  private route(value: unknown, pointer: string, serviceName: string, serviceId: string): void {
    const r = this.object(value, pointer, 'a route', FIELDS.route);
    const name = this.string(r, 'name', pointer, 'a route');
    const id = this.id(r, pointer, `${serviceName}.${name}`);
    const { description, labels: _labels, id: _id, ...rest } = r;
    this.add('routes', this.env(compact({ ...rest, id, desc: description, labels: this.labels(r, pointer), service_id: serviceId }), 'routes', id), pointer);
  }

  private streamRoute(value: unknown, pointer: string, serviceName: string, serviceId: string): void {
    const r = this.object(value, pointer, 'a stream route', FIELDS.stream_route);
    const name = this.string(r, 'name', pointer, 'a stream route');
    const id = this.id(r, pointer, `${serviceName}.${name}`);
    const { description, labels: _labels, id: _id, name: _name, ...rest } = r;
    // ADC keeps a stream route's name in a label: APISIX's stream routes have no `name`.
    const labels = { ...(this.labels(r, pointer) ?? {}), [ADC_STREAM_ROUTE_NAME_LABEL]: name };
    this.add('stream_routes', this.env(compact({ ...rest, id, desc: description, labels, service_id: serviceId }), 'stream_routes', id), pointer);
  }

  private ssl(value: unknown, pointer: string): void {
    const s = this.object(value, pointer, 'an SSL', FIELDS.ssl);
    const snis = s['snis'];
    if (!Array.isArray(snis) || snis.length === 0 || !snis.every((x) => typeof x === 'string')) {
      this.fail(`${pointer}/snis`, 'an SSL needs `snis`, a list of host names', 'List the host names the certificate serves: `snis: [api.example.com]`.');
    }
    const id = this.id(s, pointer, (snis as string[]).join(','));
    const certs: { certificate: unknown; key: unknown }[] = [];
    this.list(s['certificates'], `${pointer}/certificates`, (c, p) => {
      const pair = this.object(c, p, 'a certificate', FIELDS.certificate);
      for (const field of FIELDS.certificate) {
        if (typeof pair[field] !== 'string') this.fail(`${p}/${field}`, `a certificate needs \`${field}\`, a string`, 'Give the PEM text, `${NAME}` or a `$secret://` / `$env://` reference.');
      }
      certs.push({ certificate: pair['certificate'], key: pair['key'] });
    });
    if (certs.length === 0) this.fail(`${pointer}/certificates`, 'an SSL needs at least one certificate', 'Add `certificates: [{certificate: …, key: …}]`.');
    const [first, ...more] = certs;
    const object = compact({
      id,
      labels: this.labels(s, pointer),
      type: s['type'],
      snis,
      cert: first!.certificate,
      key: first!.key,
      certs: more.length > 0 ? more.map((c) => c.certificate) : undefined,
      keys: more.length > 0 ? more.map((c) => c.key) : undefined,
      client: s['client'],
      ssl_protocols: s['ssl_protocols'],
    });
    this.add('ssls', this.env(object, 'ssls', id), pointer);
  }

  private consumer(value: unknown, pointer: string, groupId: string | undefined): void {
    const c = this.object(value, pointer, 'a consumer', FIELDS.consumer);
    const username = this.string(c, 'username', pointer, 'a consumer');
    const plugins: Record<string, unknown> = { ...((c['plugins'] as Json | undefined) ?? {}) };
    this.list(c['credentials'], `${pointer}/credentials`, (k, p) => {
      const cred = this.object(k, p, 'a credential', FIELDS.credential);
      const name = this.string(cred, 'name', p, 'a credential');
      const type = this.string(cred, 'type', p, 'a credential');
      if (!CREDENTIAL_TYPES.includes(type)) {
        this.fail(`${p}/type`, `credential \`${name}\` is of type \`${type}\`, which is no credential type`, `Use one of ${CREDENTIAL_TYPES.join(', ')}.`);
      }
      // tagway's consumers hold their credentials as auth plugins: a second of one type has no place.
      if (plugins[type] !== undefined) {
        this.unexpressed.push({ kind: 'consumers', id: username, field: `/credentials/${escape(name)}`, reason: `consumer \`${username}\` already has a \`${type}\` credential; a consumer holds one credential of each type here` });
        return;
      }
      plugins[type] = this.object(cred['config'] ?? {}, `${p}/config`, 'a credential config', null);
    });
    const object = compact({
      id: username,
      username,
      desc: c['description'],
      labels: this.labels(c, pointer),
      plugins: Object.keys(plugins).length > 0 ? plugins : undefined,
      group_id: groupId,
    });
    this.add('consumers', this.env(object, 'consumers', username), pointer);
  }

  private consumerGroup(value: unknown, pointer: string): void {
    const g = this.object(value, pointer, 'a consumer group', FIELDS.consumer_group);
    const name = this.string(g, 'name', pointer, 'a consumer group');
    // ADC's backend gives a consumer group the id of its name whatever `id` says, and keeps the name in a label.
    const id = adcId(name);
    const labels = { ...(this.labels(g, pointer) ?? {}), [ADC_NAME_LABEL]: name };
    this.add('consumer_groups', this.env(compact({ id, name, desc: g['description'], labels, plugins: g['plugins'] ?? {} }), 'consumer_groups', id), pointer);
    this.list(g['consumers'], `${pointer}/consumers`, (c, p) => this.consumer(c, p, id));
  }

  /**
   * Where ADC substitutes `${NAME}` from its environment when it syncs: a whole value at a field
   * tagway resolves at sync (an SSL's keys and certificates, a consumer's credentials) becomes
   * `env:NAME`; anywhere else tagway would send the text as written, so it is reported. `\${NAME}`
   * is ADC's escape for the text itself.
   */
  private env<T extends Json>(object: T, kind: ApisixKind, id: string): T {
    const secret = secretPointers(kind, object);
    const walk = (value: unknown, at: string): unknown => {
      if (typeof value === 'string') {
        const whole = ENV_WHOLE.exec(value);
        if (whole !== null && secret.has(at)) return `env:${whole[1]}`;
        if (new RegExp(ENV_REFERENCE.source).test(value.replace(new RegExp(ESCAPED_ENV_REFERENCE.source, 'g'), ''))) {
          this.unexpressed.push({ kind, id, field: at, reason: 'ADC fills `${NAME}` in from its environment when it syncs; tagway reads this value as written (use `$env://NAME` for the gateway to read it)' });
          return value;
        }
        return value.replace(new RegExp(ESCAPED_ENV_REFERENCE.source, 'g'), (_m, name: string) => `\${${name}}`);
      }
      if (Array.isArray(value)) return value.map((v, i) => walk(v, `${at}/${i}`));
      if (value !== null && typeof value === 'object') {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v, `${at}/${escape(k)}`)]));
      }
      return value;
    };
    return walk(object, '') as T;
  }

  private add(kind: ApisixKind, object: Json & { readonly id: string }, pointer: string): void {
    const seen = this.objects[kind].get(object.id);
    if (seen !== undefined) {
      const there = this.file.locate(seen.pointer);
      this.fail(pointer, `two ${kind} get the id \`${object.id}\` (the other at line ${there.line})`, 'Give each object its own name (or `id`): ADC derives ids from names.');
    }
    this.objects[kind].set(object.id, { object: object as ApisixObject, pointer });
  }

  private id(o: Json, pointer: string, name: string): string {
    const id = o['id'];
    if (id === undefined) return adcId(name);
    if (typeof id !== 'string' || !/^[a-zA-Z0-9-_.]{1,256}$/.test(id)) {
      this.fail(`${pointer}/id`, '`id` must be 1–256 letters, digits, `-`, `_` or `.`', 'Fix the id, or leave it out: ADC derives one from the name.');
    }
    return id as string;
  }

  private labels(o: Json, pointer: string): Readonly<Record<string, string>> | undefined {
    const labels = o['labels'];
    if (labels === undefined) return undefined;
    const map = this.object(labels, `${pointer}/labels`, 'labels', null);
    // As ADC's backend writes them: a list of values becomes its JSON text.
    return Object.fromEntries(Object.entries(map).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
  }

  private string(o: Json, field: string, pointer: string, what: string): string {
    const value = o[field];
    if (typeof value !== 'string' || value === '') {
      this.fail(value === undefined ? pointer : `${pointer}/${field}`, `${what} needs \`${field}\`, a non-empty string`, `Add \`${field}: …\`.`);
    }
    return value as string;
  }

  private object(value: unknown, pointer: string, what: string, fields: readonly string[] | null): Json {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      this.fail(pointer, `${what} must be a mapping, not ${describe(value)}`, 'Write it as `key: value` lines.');
    }
    const o = value as Json;
    if (fields !== null) {
      for (const key of Object.keys(o)) {
        if (!fields.includes(key)) {
          const near = didYouMean(key, fields);
          this.fail(`${pointer}/${escape(key)}`, `${what} has no field \`${key}\``, near !== null ? `Did you mean \`${near}\`?` : `ADC's fields here: ${fields.join(', ')}.`, true);
        }
      }
    }
    return o;
  }

  private list(value: unknown, pointer: string, each: (item: unknown, pointer: string) => void): void {
    if (value === undefined) return;
    if (!Array.isArray(value)) this.fail(pointer, `\`${pointer.split('/').pop()}\` must be a list, not ${describe(value)}`, 'Write each entry as a `- ` item.');
    (value as unknown[]).forEach((item, i) => each(item, `${pointer}/${i}`));
  }

  private entries(value: unknown, pointer: string): [string, unknown][] {
    if (value === undefined) return [];
    return Object.entries(this.object(value, pointer, `\`${pointer.slice(1)}\` (plugin name → its settings)`, null));
  }

  private fail(pointer: string, message: string, hint: string, key = false): never {
    const at = this.file.locate(pointer, { key });
    throw new UserError(`${at.file}:${at.line}:${at.column}: ${message}`, hint);
  }
}

const ENV_WHOLE = /^\$\{(\w+)\}$/;

function compact<T extends Record<string, unknown>>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'string' ? 'a string' : `a ${typeof value}`;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * An OpenAPI 3.0 / 3.1 document (or a Swagger 2.0 one) → one tagway service: the template
 * (`services/<name>/service.yaml`) and the runtime overlay of one gateway group (its upstream nodes,
 * from `servers`). Pure: text in, data out. The mappings and the `x-tagway-*` extensions are
 * documented in docs/import.md ("From an OpenAPI document").
 */
import { canonicalJson } from '../core/canonical.js';
import { didYouMean } from '../core/did-you-mean.js';
import { joinPointer, pointerSegments, type YamlFile } from '../load/yaml-file.js';
import type { Diagnostic } from '../model/diagnostic.js';
import type { NodeSpec, RouteSpec, RuntimeOverlay, ServiceTemplate } from '../model/config.js';
import { checkSchema, type SchemaKind } from '../validate/schemas.js';
import type { Unexpressed } from './model.js';
import { readOpenApiDocument, type OpenApiDocument } from './openapi-document.js';

export interface OpenApiOptions {
  /** The service's name; by default `x-tagway-name`, else `info.title`, else the file name, made a valid name. */
  readonly name?: string;
  /** The gateway group whose overlay gets the `servers` as upstream nodes. */
  readonly group: string;
}

export interface OpenApiService {
  readonly name: string;
  readonly template: ServiceTemplate;
  /** The group's overlay (`upstream.nodes` from `servers`); null when no server names a backend host. */
  readonly overlay: RuntimeOverlay | null;
  /** What the document says that the service does not hold, by JSON pointer into the document. */
  readonly unexpressed: readonly Unexpressed[];
  /** What the import chose or suggests (a widened uri, merged operations, an auth plugin to consider). */
  readonly notes: readonly string[];
}

export type OpenApiResult = ({ readonly ok: true } & OpenApiService) | { readonly ok: false; readonly diagnostics: readonly Diagnostic[] };

/** The `kind` of an `Unexpressed` entry about an OpenAPI document: its `id` is the document's path. */
export const OPENAPI_KIND = 'openapi';

/** OpenAPI's operations, in the order a path item's routes are made. */
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

const NAME = /^[a-z0-9]([a-z0-9-]{0,29}[a-z0-9])?$/;
const NAME_MAX = 31;
const DESCRIPTION_MAX = 256;

/** The `x-tagway-*` extensions each level of a document may carry. */
const EXTENSIONS = {
  root: ['x-tagway-name', 'x-tagway-hosts', 'x-tagway-plugins', 'x-tagway-upstream'],
  path: ['x-tagway-hosts', 'x-tagway-plugins'],
  operation: ['x-tagway-route-name', 'x-tagway-hosts', 'x-tagway-plugins'],
} as const;

type Json = Record<string, unknown>;

/** One operation of the document, with what its route takes from it. */
interface Operation {
  readonly pointer: string;
  readonly method: string;
  readonly path: string;
  readonly uri: string;
  readonly explicitName: string | undefined;
  readonly derivedName: string;
  readonly description: string | undefined;
  readonly hosts: { readonly value: readonly string[]; readonly pointer: string } | undefined;
  /** Plugin name → the pointer of its configuration (path level, replaced by the operation's). */
  readonly plugins: ReadonlyMap<string, { readonly value: Json; readonly pointer: string }>;
}

/** Turns an OpenAPI document into a service; never throws. */
export function openApiToService(text: string, path: string, options: OpenApiOptions): OpenApiResult {
  const read = readOpenApiDocument(text, path);
  if (!read.ok) return { ok: false, diagnostics: read.diagnostics };
  return new Importer(read.document, options).run();
}

class Importer {
  private readonly diagnostics: Diagnostic[] = [];
  private readonly unexpressed: Unexpressed[] = [];
  private readonly notes: string[] = [];
  /** Template pointer → the document pointer its value came from (findings about the template point there). */
  private readonly templateFrom = new Map<string, string>();
  private readonly overlayFrom = new Map<string, string>();

  constructor(
    private readonly doc: OpenApiDocument,
    private readonly options: OpenApiOptions,
  ) {}

  run(): OpenApiResult {
    const root = this.doc.data;
    if (!isObject(root) || (root['openapi'] === undefined && root['swagger'] === undefined)) {
      this.error('TW5101', '', 'not an OpenAPI document: it has no `openapi` (or `swagger`) key at the top', 'Give the path of an OpenAPI 3.0 or 3.1 document (YAML or JSON), which starts with `openapi: 3.x.y`.');
      return this.failed();
    }
    const swagger = root['openapi'] === undefined;
    const version = versionText(swagger ? root['swagger'] : root['openapi']);
    if (swagger ? version !== '2.0' : !/^3\.[01](\.\d+)?$/.test(version)) {
      this.error('TW5102', swagger ? '/swagger' : '/openapi', `unsupported ${swagger ? 'Swagger' : 'OpenAPI'} version ${JSON.stringify(version)}`, 'tagway reads OpenAPI 3.0 and 3.1 documents and Swagger 2.0 ones; convert the document to OpenAPI 3.1 first.');
      return this.failed();
    }
    this.checkExtensions(root, '', EXTENSIONS.root);

    const servers = this.servers(root, swagger);
    const operations = this.operations(root, servers.basePath);
    if (operations === null) return this.failed();
    const name = this.serviceName(root);
    if (this.diagnostics.length > 0) return this.failed();

    const template: Record<string, unknown> = { name };
    const description = serviceDescription(root['info']);
    if (description !== undefined) {
      template['description'] = description;
      this.templateFrom.set('/description', '/info');
    }
    this.extension(root, '', 'x-tagway-hosts', (value, from) => {
      template['hosts'] = value;
      this.templateFrom.set('/hosts', from);
    });
    this.extension(root, '', 'x-tagway-plugins', (value, from) => {
      template['plugins'] = value;
      this.templateFrom.set('/plugins', from);
    });
    const upstream: Record<string, unknown> = {};
    if (servers.scheme !== undefined) {
      upstream['scheme'] = servers.scheme;
      this.templateFrom.set('/upstream/scheme', servers.schemeFrom);
    }
    this.extension(root, '', 'x-tagway-upstream', (value, from) => {
      if (!isObject(value)) return;
      for (const [key, v] of Object.entries(value)) {
        upstream[key] = v;
        this.templateFrom.set(`/upstream${joinPointer(key)}`, `${from}${joinPointer(key)}`);
      }
    });
    if (Object.keys(upstream).length > 0) template['upstream'] = upstream;
    template['routes'] = this.routes(operations, template['hosts'] as readonly string[] | undefined);
    this.unmapped(root, swagger);

    const overlay = servers.nodes.length > 0 ? { upstream: { nodes: servers.nodes.map((n) => n.node) } } : null;
    servers.nodes.forEach((n, i) => this.overlayFrom.set(`/upstream/nodes/${i}`, n.from));
    if (overlay === null) {
      this.notes.push(`No server names a backend host: give the service upstream nodes (or discovery) in gateway-groups/${this.options.group}/services/${name}.yaml before publishing it there.`);
    }

    this.checkAgainstSchema('service', template);
    if (overlay !== null) this.checkAgainstSchema('overlay', overlay);
    if (this.diagnostics.length > 0) return this.failed();
    return {
      ok: true,
      name,
      template: template as unknown as ServiceTemplate,
      overlay,
      unexpressed: this.unexpressed,
      notes: this.notes,
    };
  }

  private failed(): OpenApiResult {
    return { ok: false, diagnostics: this.diagnostics };
  }

  // --- the service's name -----------------------------------------------------------------------

  private serviceName(root: Json): string {
    const given = this.options.name;
    if (given !== undefined) {
      if (NAME.test(given)) return given;
      this.diagnostics.push({
        code: 'TW5106',
        severity: 'error',
        message: `the service name ${JSON.stringify(given)} given for ${this.doc.path} is not a valid name`,
        hint: 'A name is 1–31 characters of a-z, 0-9 and -, starting and ending with a letter or digit.',
        related: [],
      });
      return '';
    }
    const explicit = root['x-tagway-name'];
    if (explicit !== undefined) {
      if (typeof explicit === 'string' && NAME.test(explicit)) {
        this.templateFrom.set('/name', '/x-tagway-name');
        return explicit;
      }
      this.error('TW5104', '/x-tagway-name', '`x-tagway-name` is not a valid service name', 'Write 1–31 characters of a-z, 0-9 and -, starting and ending with a letter or digit.');
      return '';
    }
    const title = isObject(root['info']) && typeof root['info']['title'] === 'string' ? toName(root['info']['title']) : '';
    if (title !== '') {
      this.templateFrom.set('/name', '/info/title');
      return title;
    }
    const file = toName(this.doc.path.replace(/^.*[\\/]/, '').replace(/\.(ya?ml|json)$/i, ''));
    if (file !== '') return file;
    this.error('TW5106', '/info', 'no service name can be made from `info.title` or the file name', 'Add `x-tagway-name: <name>` at the top of the document, or give the name with the import command.');
    return '';
  }

  // --- servers ----------------------------------------------------------------------------------

  /**
   * The backends: one upstream node per distinct host and port. The first server decides the
   * scheme and the base path; a server that differs in either is left out (one upstream has one
   * scheme, and its routes one base path).
   */
  private servers(root: Json, swagger: boolean): { nodes: { node: NodeSpec; from: string }[]; scheme: string | undefined; schemeFrom: string; basePath: string } {
    const urls = swagger ? swaggerServers(root) : this.openApiServers(root);
    const nodes: { node: NodeSpec; from: string }[] = [];
    let scheme: string | undefined;
    let schemeFrom = '';
    let basePath: string | undefined;
    for (const { url, from } of urls) {
      const parsed = parseServerUrl(url);
      if (parsed === null) {
        this.leftOut(from, 'the server URL is not an http(s) URL or a path; it is left out');
        continue;
      }
      if (basePath !== undefined && parsed.basePath !== basePath) {
        this.leftOut(from, `this server's base path ${JSON.stringify(parsed.basePath || '/')} differs from the first server's (${JSON.stringify(basePath || '/')}), which the routes' uris start with; it is left out`);
        continue;
      }
      if (parsed.host === undefined) {
        basePath ??= parsed.basePath;
        this.leftOut(from, 'the server URL names no host: it gives the base path only, and no upstream node');
        continue;
      }
      if (scheme !== undefined && parsed.scheme !== scheme) {
        this.leftOut(from, `this server's scheme ${parsed.scheme} differs from the first server's (${scheme}), and one upstream has one scheme; it is left out`);
        continue;
      }
      if (parsed.credentials) this.leftOut(from, 'the user name and password in the server URL are not kept: an upstream node has none (an upstream that needs them can get them from a plugin, e.g. proxy-rewrite headers with a $env:// or $secret:// reference)');
      basePath ??= parsed.basePath;
      if (scheme === undefined) {
        scheme = parsed.scheme;
        schemeFrom = from;
      }
      if (!nodes.some((n) => n.node.host === parsed.host && n.node.port === parsed.port)) nodes.push({ node: { host: parsed.host, port: parsed.port, weight: 1 }, from });
    }
    if (nodes.some((n) => !/^[0-9.]+$|^\[/.test(n.node.host))) {
      this.notes.push('The upstream nodes are host names: APISIX passes the client\'s Host header to them by default; if the backends expect their own name, set `x-tagway-upstream: { pass_host: node }`.');
    }
    if (basePath) this.notes.push(`The servers' base path ${basePath} starts every route's uri: the gateway passes request paths through unchanged, so the backends get the paths the document describes.`);
    return { nodes, scheme, schemeFrom, basePath: basePath ?? '' };
  }

  /** `servers[].url` with each `{variable}` replaced by its default. */
  private openApiServers(root: Json): { url: string; from: string }[] {
    const list = root['servers'];
    if (!Array.isArray(list)) return [];
    const out: { url: string; from: string }[] = [];
    list.forEach((server: unknown, i) => {
      const from = `/servers/${i}/url`;
      if (!isObject(server) || typeof server['url'] !== 'string') {
        this.leftOut(`/servers/${i}`, 'a server without a `url` is left out');
        return;
      }
      const variables = isObject(server['variables']) ? server['variables'] : {};
      let missing: string | null = null;
      const url = server['url'].replace(/\{([^}]*)\}/g, (_m, variable: string) => {
        const v = variables[variable];
        if (isObject(v) && (typeof v['default'] === 'string' || typeof v['default'] === 'number')) return String(v['default']);
        missing ??= variable;
        return '';
      });
      if (missing !== null) {
        this.leftOut(from, `the server variable \`${missing}\` has no default; the server is left out`);
        return;
      }
      out.push({ url, from });
    });
    return out;
  }

  // --- operations and routes --------------------------------------------------------------------

  private operations(root: Json, basePath: string): Operation[] | null {
    const paths = root['paths'];
    if (!isObject(paths)) {
      this.error('TW5103', root['paths'] === undefined ? '' : '/paths', root['paths'] === undefined ? 'the document has no `paths`: there is nothing to route' : '`paths` is not a mapping of paths to operations', 'Write `paths:` with at least one path and operation, e.g. `/pets: { get: { operationId: listPets } }`.');
      return null;
    }
    const out: Operation[] = [];
    for (const [path, raw] of Object.entries(paths)) {
      const pathPointer = `/paths${joinPointer(path)}`;
      if (path.startsWith('x-')) {
        if (path.startsWith('x-tagway-')) this.error('TW5104', pathPointer, `\`${path}\` is not read here`, 'Write x-tagway-* extensions at the top level, in a path item or in an operation.', true);
        continue;
      }
      if (!path.startsWith('/')) {
        this.error('TW5103', pathPointer, `the path ${JSON.stringify(path)} does not start with /`, 'Start every key of `paths` with /, e.g. `/pets/{petId}`.', true);
        continue;
      }
      const item = this.pathItem(raw, pathPointer);
      if (item === null) continue;
      this.checkExtensions(item.value, item.pointer, EXTENSIONS.path);
      if (item.value['servers'] !== undefined) this.leftOut(`${item.pointer}/servers`, 'servers of a path are not expressed: every route goes to the service\'s upstream');
      const pathHosts = this.hostsOf(item.value, item.pointer);
      const pathPlugins = this.pluginsOf(item.value, item.pointer);
      for (const method of METHODS) {
        const op = item.value[method];
        if (op === undefined) continue;
        const pointer = `${item.pointer}/${method}`;
        if (!isObject(op)) {
          this.error('TW5103', pointer, `the ${method.toUpperCase()} operation of ${path} is not a mapping`, 'Write the operation as a mapping, e.g. `get: { operationId: listPets }`.');
          continue;
        }
        this.checkExtensions(op, pointer, EXTENSIONS.operation);
        if (op['servers'] !== undefined) this.leftOut(`${pointer}/servers`, 'servers of an operation are not expressed: every route goes to the service\'s upstream');
        if (op['callbacks'] !== undefined) this.leftOut(`${pointer}/callbacks`, 'callbacks are requests the backend makes, not routes of the gateway');
        const routeName = op['x-tagway-route-name'];
        let explicitName: string | undefined;
        if (routeName !== undefined) {
          if (typeof routeName === 'string' && NAME.test(routeName)) explicitName = routeName;
          else this.error('TW5104', `${pointer}/x-tagway-route-name`, '`x-tagway-route-name` is not a valid route name', 'Write 1–31 characters of a-z, 0-9 and -, starting and ending with a letter or digit.');
        }
        const operationId = typeof op['operationId'] === 'string' ? toName(op['operationId']) : '';
        const plugins = new Map(pathPlugins);
        for (const [k, v] of this.pluginsOf(op, pointer)) plugins.set(k, v);
        out.push({
          pointer,
          method: method.toUpperCase(),
          path,
          uri: apisixUri(`${basePath}${path}`),
          explicitName,
          derivedName: operationId !== '' ? operationId : toName(`${method} ${path.replace(/[{}]/g, ' ')}`) || method,
          description: oneLine(typeof op['summary'] === 'string' ? op['summary'] : typeof op['description'] === 'string' ? op['description'] : undefined),
          hosts: this.hostsOf(op, pointer) ?? pathHosts,
          plugins,
        });
      }
    }
    if (this.diagnostics.length > 0) return null;
    if (out.length === 0) {
      this.error('TW5103', '/paths', '`paths` holds no operation: there is nothing to route', 'Add at least one operation (get, put, post, delete, options, head, patch, trace) under a path.');
      return null;
    }
    return out;
  }

  /** A path item, following a `$ref` inside the document; null (and a finding) when there is none. */
  private pathItem(raw: unknown, pointer: string): { value: Json; pointer: string } | null {
    if (!isObject(raw)) {
      this.error('TW5103', pointer, 'a path item is not a mapping', 'Write the path\'s operations as a mapping, e.g. `get: { operationId: listPets }`.');
      return null;
    }
    const ref = raw['$ref'];
    if (typeof ref !== 'string') return { value: raw, pointer };
    if (!ref.startsWith('#/')) {
      this.leftOut(`${pointer}/$ref`, `the path item refers to another document (${JSON.stringify(ref)}); its operations are not imported`);
      return null;
    }
    const target = resolvePointer(this.doc.data, ref.slice(1));
    if (!isObject(target)) {
      this.error('TW5103', `${pointer}/$ref`, `\`$ref\` ${JSON.stringify(ref)} names no path item of the document`, 'Point `$ref` at a path item, e.g. `#/components/pathItems/pets`.');
      return null;
    }
    return { value: target, pointer: ref.slice(1) };
  }

  /**
   * One route per operation, named after it; operations whose uri (after widening) and method
   * and hosts (their own, else the service's) are the same make one route, since two such routes
   * would conflict (TW3009).
   */
  private routes(operations: readonly Operation[], serviceHosts: readonly string[] | undefined): RouteSpec[] {
    const groups = new Map<string, Operation[]>();
    for (const op of operations) {
      const key = canonicalJson([op.uri, op.method, op.hosts?.value ?? serviceHosts ?? null]);
      const group = groups.get(key);
      if (group) group.push(op);
      else groups.set(key, [op]);
    }
    const used = new Set<string>();
    const firsts = [...groups.values()];
    for (const [first] of firsts) {
      if (first!.explicitName === undefined) continue;
      if (used.has(first!.explicitName)) this.error('TW5104', `${first!.pointer}/x-tagway-route-name`, `\`x-tagway-route-name\` ${first!.explicitName} is given to two routes`, 'Give each operation its own route name.');
      used.add(first!.explicitName);
    }
    const routes: RouteSpec[] = [];
    for (const [index, group] of firsts.entries()) {
      const first = group[0]!;
      const name = first.explicitName ?? uniqueName(first.derivedName, used);
      used.add(name);
      const at = `/routes/${index}`;
      this.templateFrom.set(at, first.pointer);
      if (first.explicitName !== undefined) this.templateFrom.set(`${at}/name`, `${first.pointer}/x-tagway-route-name`);
      const route: Record<string, unknown> = { name };
      if (first.description !== undefined) route['description'] = first.description;
      route['uris'] = [first.uri];
      route['methods'] = [first.method];
      if (first.hosts) {
        route['hosts'] = first.hosts.value;
        this.templateFrom.set(`${at}/hosts`, first.hosts.pointer);
      }
      if (first.plugins.size > 0) {
        const plugins: Record<string, unknown> = {};
        for (const [plugin, { value, pointer }] of first.plugins) {
          plugins[plugin] = value;
          this.templateFrom.set(`${at}/plugins${joinPointer(plugin)}`, pointer);
        }
        route['plugins'] = plugins;
      }
      routes.push(route as unknown as RouteSpec);
      if (first.path.includes('{')) {
        this.notes.push(`${first.method} ${first.path}: route ${name} matches ${first.uri}, the widest uri APISIX's default router (radixtree_uri) can match: path parameters are checked by the backend.`);
      }
      for (const other of group.slice(1)) {
        this.notes.push(`${other.method} ${other.path} shares route ${name} with ${first.method} ${first.path}: both match ${other.uri}.`);
        if (canonicalJson(pluginValues(other.plugins)) !== canonicalJson(pluginValues(first.plugins))) {
          this.leftOut(other.pointer, `its plugins differ from those of ${first.method} ${first.path}, whose route ${name} it shares; the route has the latter's`);
        }
        if (other.explicitName !== undefined && other.explicitName !== name) {
          this.leftOut(`${other.pointer}/x-tagway-route-name`, `the operation shares route ${name} with ${first.method} ${first.path}; this name is not used`);
        }
      }
    }
    return routes;
  }

  private hostsOf(owner: Json, pointer: string): { value: readonly string[]; pointer: string } | undefined {
    const value = owner['x-tagway-hosts'];
    if (value === undefined) return undefined;
    if (!Array.isArray(value) || !value.every((h) => typeof h === 'string')) {
      this.error('TW5104', `${pointer}/x-tagway-hosts`, '`x-tagway-hosts` is not a list of host names', 'Write a list, e.g. `x-tagway-hosts: [api.example.com]`.');
      return undefined;
    }
    return { value: value as string[], pointer: `${pointer}/x-tagway-hosts` };
  }

  private pluginsOf(owner: Json, pointer: string): Map<string, { value: Json; pointer: string }> {
    const out = new Map<string, { value: Json; pointer: string }>();
    const value = owner['x-tagway-plugins'];
    if (value === undefined) return out;
    const at = `${pointer}/x-tagway-plugins`;
    if (!isObject(value)) {
      this.error('TW5104', at, '`x-tagway-plugins` is not a mapping of plugin names to configurations', 'Write e.g. `x-tagway-plugins: { limit-count: { count: 100, time_window: 60 } }`.');
      return out;
    }
    for (const [plugin, config] of Object.entries(value)) {
      if (!isObject(config)) {
        this.error('TW5104', `${at}${joinPointer(plugin)}`, `the configuration of plugin ${plugin} is not a mapping`, 'Write the plugin\'s configuration as a mapping; `{}` for none.');
        continue;
      }
      out.set(plugin, { value: config, pointer: `${at}${joinPointer(plugin)}` });
    }
    return out;
  }

  // --- extensions and what is left out ----------------------------------------------------------

  /** An unknown `x-tagway-*` key is an error (a typo would silently drop what it says). */
  private checkExtensions(owner: Json, pointer: string, allowed: readonly string[]): void {
    for (const key of Object.keys(owner)) {
      if (!key.startsWith('x-tagway-') || allowed.includes(key)) continue;
      const guess = didYouMean(key, allowed);
      const known = Object.values(EXTENSIONS).flat();
      this.error(
        'TW5104',
        `${pointer}${joinPointer(key)}`,
        known.includes(key as never) ? `\`${key}\` is not read here` : `unknown extension \`${key}\``,
        guess ? `Did you mean \`${guess}\`?` : `Here tagway reads ${allowed.map((a) => `\`${a}\``).join(', ')}.`,
        true,
      );
    }
  }

  /** Calls `use` with the root extension's value when it is there and of the right shape. */
  private extension(root: Json, pointer: string, key: 'x-tagway-hosts' | 'x-tagway-plugins' | 'x-tagway-upstream', use: (value: unknown, from: string) => void): void {
    if (root[key] === undefined) return;
    const from = `${pointer}/${key}`;
    if (key === 'x-tagway-hosts') {
      const hosts = this.hostsOf(root, pointer);
      if (hosts) use(hosts.value, from);
    } else if (key === 'x-tagway-plugins') {
      const plugins = this.pluginsOf(root, pointer);
      if (plugins.size > 0) use(Object.fromEntries([...plugins].map(([k, v]) => [k, v.value])), from);
    } else if (isObject(root[key])) {
      use(root[key], from);
    } else {
      this.error('TW5104', from, '`x-tagway-upstream` is not a mapping of upstream settings', 'Write e.g. `x-tagway-upstream: { type: roundrobin, retries: 2 }`.');
    }
  }

  /** What the document holds that no route, plugin or upstream expresses, and the security it declares. */
  private unmapped(root: Json, swagger: boolean): void {
    if (root['webhooks'] !== undefined) this.leftOut('/webhooks', 'webhooks are requests the backend makes, not routes of the gateway');
    const schemes = swagger ? root['securityDefinitions'] : isObject(root['components']) ? root['components']['securitySchemes'] : undefined;
    if (!isObject(schemes)) return;
    for (const name of Object.keys(schemes).sort()) {
      const suggestion = securitySuggestion(schemes[name]);
      if (suggestion) this.notes.push(`Security scheme ${name}: ${suggestion} Not added: the backend checks it as before, unless you add the plugin and the group's consumers.`);
    }
  }

  private checkAgainstSchema(kind: SchemaKind, data: Record<string, unknown>): void {
    const from = kind === 'service' ? this.templateFrom : this.overlayFrom;
    const file: YamlFile = {
      path: this.doc.path,
      text: '',
      data,
      locate: (pointer, options) => this.doc.locate(sourcePointer(from, pointer), options),
    };
    const what = kind === 'service' ? 'service template' : `overlay of group ${this.options.group}`;
    for (const d of checkSchema(kind, file)) {
      this.diagnostics.push({
        ...d,
        message: `${d.message}, in the ${what} made from this document`,
        pointer: sourcePointer(from, d.pointer ?? ''),
        hint: d.hint ?? 'Change the value here: the field named is made from it.',
      });
    }
  }

  private error(code: string, pointer: string, message: string, hint: string, key = false): void {
    const { pointer: _p, ...at } = this.doc.locate(pointer, { key });
    this.diagnostics.push({ code, severity: 'error', message, ...at, pointer, hint, related: [] });
  }

  private leftOut(field: string, reason: string): void {
    this.unexpressed.push({ kind: OPENAPI_KIND, id: this.doc.path, field, reason });
  }
}

/** The document pointer a made value came from: the longest mapped prefix of `pointer`, then the rest. */
function sourcePointer(from: ReadonlyMap<string, string>, pointer: string): string {
  const segments = pointerSegments(pointer);
  for (let n = segments.length; n >= 0; n--) {
    const source = from.get(joinPointer(...segments.slice(0, n)));
    if (source !== undefined) return `${source}${joinPointer(...segments.slice(n))}`;
  }
  return '';
}

/**
 * The uri APISIX's default router matches a path with: the path itself without parameters, else
 * the path up to the first segment with a parameter, then `*` (radixtree_uri matches exact paths
 * and prefixes ending in `*`; `:param` segments need `radixtree_uri_with_parameter`, which a
 * gateway may not run). `/pets/{petId}/photos` → `/pets/*`.
 */
export function apisixUri(path: string): string {
  const brace = path.indexOf('{');
  if (brace === -1) return path;
  return `${path.slice(0, path.lastIndexOf('/', brace) + 1)}*`;
}

/**
 * `text` made a name: camelCase and snake_case words become kebab-case words, accents drop, other
 * characters separate words; at most 31 characters. '' when nothing is left.
 */
export function toName(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1-$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+/, '')
    .slice(0, NAME_MAX)
    .replace(/-+$/, '');
}

/** `base`, or `base-2`, `base-3`, … (shortened to stay a name) when it is taken. */
function uniqueName(base: string, used: ReadonlySet<string>): string {
  if (!used.has(base)) return base;
  for (let n = 2; ; n++) {
    const suffix = `-${n}`;
    const candidate = `${base.slice(0, NAME_MAX - suffix.length).replace(/-+$/, '')}${suffix}`;
    if (!used.has(candidate)) return candidate;
  }
}

function serviceDescription(info: unknown): string | undefined {
  if (!isObject(info)) return undefined;
  const title = oneLine(typeof info['title'] === 'string' ? info['title'] : undefined);
  const description = oneLine(typeof info['description'] === 'string' ? info['description'] : undefined);
  return oneLine([title, description].filter((s) => s !== undefined).join(': ') || undefined);
}

/** The first line of `text`, spaces collapsed, at most 256 characters; undefined when empty. */
function oneLine(text: string | undefined): string | undefined {
  const line = text?.trim().split('\n')[0]!.replace(/\s+/g, ' ').trim();
  if (!line) return undefined;
  return line.length <= DESCRIPTION_MAX ? line : `${line.slice(0, DESCRIPTION_MAX - 1)}…`;
}

function versionText(value: unknown): string {
  if (typeof value === 'number') return Number.isInteger(value) ? value.toFixed(1) : String(value);
  return typeof value === 'string' ? value : JSON.stringify(value) ?? 'none';
}

/** Swagger 2.0's `host`, `basePath` and `schemes` as server URLs (`http` when no scheme is given). */
function swaggerServers(root: Json): { url: string; from: string }[] {
  const basePath = typeof root['basePath'] === 'string' ? root['basePath'] : '';
  if (typeof root['host'] !== 'string') return basePath ? [{ url: basePath, from: '/basePath' }] : [];
  const schemes = Array.isArray(root['schemes']) ? root['schemes'].filter((s): s is string => typeof s === 'string') : ['http'];
  return schemes.map((scheme, i) => ({ url: `${scheme}://${root['host'] as string}${basePath}`, from: Array.isArray(root['schemes']) ? `/schemes/${i}` : '/host' }));
}

/** A server URL's scheme, host, port and base path (no trailing /); null when it is no http(s) URL or path. */
function parseServerUrl(url: string): { scheme: string; host: string | undefined; port: number; basePath: string; credentials: boolean } | null {
  if (!/^[a-z][a-z0-9+.-]*:/i.test(url)) {
    const path = url.startsWith('/') ? url : `/${url}`;
    return { scheme: 'http', host: undefined, port: 0, basePath: stripSlash(path.replace(/[?#].*$/, '')), credentials: false };
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  const scheme = parsed.protocol.slice(0, -1).toLowerCase();
  if ((scheme !== 'http' && scheme !== 'https') || parsed.hostname === '') return null;
  const port = parsed.port !== '' ? Number(parsed.port) : scheme === 'https' ? 443 : 80;
  return { scheme, host: parsed.hostname, port, basePath: stripSlash(parsed.pathname), credentials: parsed.username !== '' || parsed.password !== '' };
}

function stripSlash(path: string): string {
  return path.replace(/\/+$/, '');
}

function pluginValues(plugins: ReadonlyMap<string, { readonly value: Json }>): Json {
  return Object.fromEntries([...plugins].map(([k, v]) => [k, v.value]));
}

/** The APISIX plugin that could check a security scheme, as a sentence; null when none fits. */
function securitySuggestion(scheme: unknown): string | null {
  if (!isObject(scheme)) return null;
  const type = scheme['type'];
  if (type === 'apiKey') {
    const name = typeof scheme['name'] === 'string' ? scheme['name'] : 'apikey';
    if (scheme['in'] === 'header') return `an API key in the header ${name}; APISIX's key-auth can check it: \`key-auth: { header: ${name} }\`.`;
    if (scheme['in'] === 'query') return `an API key in the query argument ${name}; APISIX's key-auth can check it: \`key-auth: { query: ${name} }\`.`;
    return null;
  }
  if (type === 'basic' || (type === 'http' && String(scheme['scheme']).toLowerCase() === 'basic')) return "HTTP basic authentication; APISIX's basic-auth can check it.";
  if (type === 'http' && String(scheme['scheme']).toLowerCase() === 'bearer') return "a bearer token; APISIX's jwt-auth can check a JWT, openid-connect a token of an identity provider.";
  if (type === 'oauth2' || type === 'openIdConnect') return "OAuth 2.0 / OpenID Connect; APISIX's openid-connect can check its tokens.";
  return null;
}

function resolvePointer(data: unknown, pointer: string): unknown {
  let node = data;
  for (const seg of pointerSegments(pointer)) {
    if (Array.isArray(node)) node = node[Number(seg)];
    else if (isObject(node)) node = node[seg];
    else return undefined;
  }
  return node;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

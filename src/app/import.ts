/**
 * `tagway import`: reads what a gateway holds (its Admin API, a standalone file, an ADC file, or
 * one service's OpenAPI document), writes the config repository that compiles back to it into
 * one group (src/import). With `--publish` the files are committed and
 * every imported service gets that version. Nothing secret is written or printed: each secret
 * becomes a reference, and the outcome lists the variables to set (names only).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml, parseDocument } from 'yaml';
import type { ApisixKind } from '../model/apisix.js';
import { UserError } from '../core/errors.js';
import { writeFilesAtomically } from '../core/atomic-write.js';
import { cmp } from '../model/diagnostic.js';
import { NAME, groupPath } from '../load/layout.js';
import { openRepo } from '../git/repo.js';
import { worktreeGit } from '../git/cli.js';
import { formatPerson, parsePerson, readIdentity } from '../git/identity.js';
import type { Env } from '../sync/credentials.js';
import { closeTargets, createTargets } from '../sync/targets/create.js';
import { SyncError } from '../sync/errors.js';
import { readStandalone } from '../import/from-standalone.js';
import { importRepository, type ImportedRepository } from '../import/to-repository.js';
import type { AdoptionMap, GatewaySource, SecretVariable, SourceFormat, Unexpressed } from '../import/model.js';
import { runInit } from './init.js';
import { runPublish, type PublishOutcome } from './publish.js';

export interface ImportOptions {
  /** The config repository (any folder inside it), or a folder to make one of. */
  readonly cwd: string;
  /** An Admin API URL (`http://127.0.0.1:9180`) or a file. */
  readonly from: string;
  /** What `from` is; detected from it when absent. */
  readonly format?: SourceFormat;
  /** The Admin API key of a live gateway, as a reference: `env:NAME`. */
  readonly adminKey?: string;
  readonly group: string;
  /** Tag every imported service with this version (after committing the files). */
  readonly publish?: string;
  /** Write nothing: say what would be written. */
  readonly dryRun?: boolean;
  readonly env: Env;
  readonly author?: string;
}

export interface ImportOutcome {
  readonly root: string;
  readonly createdRepository: boolean;
  readonly source: { readonly format: SourceFormat; readonly origin: string };
  readonly dryRun: boolean;
  /** Repository-relative paths written (or that would be), sorted. */
  readonly written: readonly string[];
  /** Paths whose content was already what the import writes. */
  readonly unchanged: readonly string[];
  readonly services: readonly string[];
  readonly variables: readonly SecretVariable[];
  readonly unexpressed: readonly Unexpressed[];
  readonly ignored: readonly Unexpressed[];
  /** How many of the gateway's objects the group takes over, by kind (live gateways only). */
  readonly adoption: Readonly<Partial<Record<ApisixKind, number>>>;
  readonly published: PublishOutcome | null;
  /** What to do next, as commands. */
  readonly next: readonly string[];
}

/** The version the group's pins name when `--publish` gives none: what the next step publishes. */
export const FIRST_VERSION = '1.0.0';

/** Where the adoption record of a group lives (docs/adoption.md). */
export function adoptionPath(group: string): string {
  return `gateway-groups/${group}/adopt.yaml`;
}

export async function runImport(options: ImportOptions): Promise<ImportOutcome> {
  if (!NAME.test(options.group)) {
    throw new UserError(`"${options.group}" is not a valid group name`, 'A group name is 1-31 characters of a-z, 0-9 and -, starting and ending with a letter or digit.');
  }
  const version = options.publish ?? FIRST_VERSION;
  const format = options.format ?? (await detectFormat(options.from));
  const source = await readSource(options, format);

  const dir = path.resolve(options.cwd);
  let root = dir;
  let createdRepository = false;
  let inRepository = true;
  try {
    root = (await openRepo(dir)).dir;
  } catch {
    inRepository = false;
  }
  const previous = inRepository ? await readAdoption(path.join(root, adoptionPath(options.group))) : {};
  const reserved = inRepository ? await otherServices(root, previous) : new Set<string>();
  const imported = importRepository(source, { group: options.group, previous, reservedServices: reserved });

  const files = new Map(imported.files);
  const groupFile = groupPath(options.group);
  const existingGroup = inRepository ? await readText(path.join(root, groupFile)) : null;
  files.set(groupFile, groupYaml(existingGroup, options, source, imported, version));
  if (format === 'apisix' && countAdoption(imported.adoption) > 0) files.set(adoptionPath(options.group), adoptionYaml(imported.adoption, source.origin));

  const written: string[] = [];
  const unchanged: string[] = [];
  for (const [rel, text] of [...files.entries()].sort(([a], [b]) => cmp(a, b))) {
    const before = inRepository ? await readText(path.join(root, rel)) : null;
    (before === text ? unchanged : written).push(rel);
  }
  if (!options.dryRun) {
    if (!inRepository) {
      createdRepository = (await runInit({ dir, bare: true })).createdRepository;
      root = (await openRepo(dir)).dir;
    }
    // All or nothing; files that were not there are created in place, unsynced (docs/decisions.md).
    await writeFilesAtomically(written.map((rel) => ({ path: path.join(root, rel), content: files.get(rel)! })), { newFiles: 'direct' });
  }

  let published: PublishOutcome | null = null;
  if (options.publish !== undefined && !options.dryRun) {
    await commitImport(root, [...files.keys()], `Import ${source.origin} into group ${options.group}`, options.env, options.author);
    published = await runPublish({
      cwd: root,
      releases: imported.services.map((service) => ({ service, version })),
      groups: [options.group],
      message: `Imported from ${source.origin}`,
      env: options.env,
      ...(options.author !== undefined ? { author: options.author } : {}),
    });
  }

  return {
    root,
    createdRepository,
    source: { format, origin: source.origin },
    dryRun: options.dryRun === true,
    written,
    unchanged,
    services: imported.services,
    variables: imported.variables,
    unexpressed: imported.unexpressed,
    ignored: imported.ignored,
    adoption: Object.fromEntries(Object.entries(imported.adoption).map(([k, v]) => [k, Object.keys(v).length])),
    published,
    next: nextSteps(options, imported, published, version),
  };
}

async function detectFormat(from: string): Promise<SourceFormat> {
  if (/^https?:\/\//i.test(from)) return 'apisix';
  const text = await readText(from);
  if (text === null) throw new UserError(`cannot read ${from}`, 'Give an Admin API URL (http://127.0.0.1:9180) or a file: a standalone apisix.yaml or an ADC file.');
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch {
    return 'standalone'; // its reader reports the mistake with its position
  }
  if (isRecord(data)) {
    const services = data['services'];
    if (Array.isArray(services) && services.some((s) => isRecord(s) && ('routes' in s || 'upstream' in s) && !('id' in s))) return 'adc';
    if (isRecord(data['global_rules']) || isRecord(data['plugin_metadata'])) return 'adc';
  }
  return 'standalone';
}

async function readSource(options: ImportOptions, format: SourceFormat): Promise<GatewaySource> {
  if (format === 'apisix') return readLive(options);
  const text = await readText(options.from);
  if (text === null) throw new UserError(`cannot read ${options.from}`, 'Check the path.');
  if (format === 'standalone') return readStandalone(text, options.from);
  throw new UserError(`reading ${format} files is not available in this build`, 'Give an Admin API URL or a standalone apisix.yaml.');
}

/** Every object of every kind the gateway holds, read through the Admin API as `sync` reads it. */
async function readLive(options: ImportOptions): Promise<GatewaySource> {
  if (options.adminKey === undefined) {
    throw new UserError('a live gateway needs its Admin API key', 'Give it as a reference: --admin-key env:NAME (the variable holds the key; the key is never printed).');
  }
  const spec = { name: 'import', kind: 'apisix' as const, admin_url: options.from.replace(/\/+$/, ''), admin_key: options.adminKey };
  const [target] = createTargets([spec], { env: options.env, root: options.cwd });
  try {
    const live = await target!.read();
    return { format: 'apisix', origin: spec.admin_url, config: live.config, unexpressed: [] };
  } catch (error) {
    if (error instanceof SyncError) throw new UserError(error.message, error.data.hint ?? 'Check --from and --admin-key.');
    throw error;
  } finally {
    await closeTargets([target!]);
  }
}

/** The group's group.yaml: a new one, or the existing one with each imported service pinned. */
function groupYaml(existing: string | null, options: ImportOptions, source: GatewaySource, imported: ImportedRepository, version: string): string {
  if (existing !== null) {
    const doc = parseDocument(existing, { uniqueKeys: true });
    if (doc.errors.length > 0) throw new UserError(`${groupPath(options.group)} is not valid YAML`, 'Fix it first (tagway validate shows where).');
    for (const service of imported.services) doc.setIn(['published', service], version);
    return doc.toString();
  }
  const lines = [
    '# yaml-language-server: $schema=../../schemas/group.schema.json',
    `# Written by tagway import from ${source.origin}.`,
    `name: ${options.group}`,
    'published:',
    ...imported.services.map((s) => `  ${s}: ${version}`),
    'targets:',
    ...targetLines(options, source),
  ];
  if (imported.services.length === 0) lines[3] = 'published: {}';
  return `${lines.join('\n')}\n`;
}

function targetLines(options: ImportOptions, source: GatewaySource): string[] {
  if (source.format === 'apisix') {
    const host = slugHost(source.origin);
    return [`  - name: ${host}`, '    kind: apisix', `    admin_url: ${source.origin}`, `    admin_key: ${options.adminKey}`];
  }
  return ['  - name: local', '    kind: file', `    path: out/${options.group}/apisix.yaml`];
}

function slugHost(url: string): string {
  let host = 'gateway';
  try {
    host = new URL(url).hostname;
  } catch {
    // keep the default
  }
  const s = host.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 31).replace(/-+$/, '');
  return s.length > 0 ? s : 'gateway';
}

function adoptionYaml(adoption: AdoptionMap, origin: string): string {
  const lines = [
    '# yaml-language-server: $schema=../../schemas/adopt.schema.json',
    `# Objects of this group's gateways that tagway takes over (written by tagway import from ${origin}).`,
    "# Each gateway id: the id of tagway's object that replaces it. tagway sync makes its objects first,",
    '# then deletes these; the same id on both sides is taken over in place (docs/adoption.md).',
  ];
  for (const kind of Object.keys(adoption).sort(cmp) as ApisixKind[]) {
    lines.push(`${kind}:`);
    for (const [from, to] of Object.entries(adoption[kind]!)) lines.push(`  ${JSON.stringify(from)}: ${JSON.stringify(to)}`);
  }
  return `${lines.join('\n')}\n`;
}

function countAdoption(adoption: AdoptionMap): number {
  return Object.values(adoption).reduce((n, m) => n + Object.keys(m ?? {}).length, 0);
}

/** The adoption record a previous import wrote, for its names; empty when there is none. */
async function readAdoption(file: string): Promise<AdoptionMap> {
  const text = await readText(file);
  if (text === null) return {};
  try {
    const data = parseYaml(text) as unknown;
    if (!isRecord(data)) return {};
    const out: Record<string, Record<string, string>> = {};
    for (const [kind, map] of Object.entries(data)) {
      if (!isRecord(map)) continue;
      out[kind] = Object.fromEntries(Object.entries(map).filter(([, v]) => typeof v === 'string')) as Record<string, string>;
    }
    return out as AdoptionMap;
  } catch {
    return {};
  }
}

/** Services of the repository that a previous import of this group did not write: their names are taken. */
async function otherServices(root: string, previous: AdoptionMap): Promise<Set<string>> {
  const ours = new Set([...Object.values(previous.services ?? {}), ...Object.values(previous.routes ?? {}).map((id) => id.slice(0, id.indexOf('.')))]);
  const entries = await fs.readdir(path.join(root, 'services'), { withFileTypes: true }).catch(() => []);
  return new Set(entries.filter((e) => e.isDirectory() && !ours.has(e.name)).map((e) => e.name));
}

/**
 * Commits the files the import wrote (only those), as the identity publish uses: `--author`, else
 * git's configuration and GIT_* variables.
 */
async function commitImport(root: string, paths: readonly string[], message: string, env: Env, author: string | undefined): Promise<void> {
  const identity = await readIdentity(await openRepo(root), env);
  const who = (author !== undefined ? parsePerson(author) : null) ?? identity.author;
  const committer = identity.committer ?? who;
  if (who === null || committer === null) {
    throw new UserError('no git identity is configured: user.name and user.email are not set', 'Set them (`git config user.name "Your Name"`, `git config user.email you@example.com`) or pass --author "Name <email>".');
  }
  const config = ['-c', `user.name=${committer.name}`, '-c', `user.email=${committer.email}`];
  await worktreeGit(root, ['add', '--', ...paths]);
  await worktreeGit(root, [...config, 'commit', '-q', '--author', formatPerson(who), '-m', message, '--', ...paths]);
}

function nextSteps(options: ImportOptions, imported: ImportedRepository, published: PublishOutcome | null, version: string): string[] {
  const steps: string[] = [];
  const where = options.cwd === '.' ? '' : ` -C ${options.cwd}`;
  if (imported.variables.length > 0) steps.push(`set the ${imported.variables.length} variables listed above where they are read (tagway sync's environment, or the gateway's)`);
  if (published === null && !options.dryRun) {
    steps.push('git add -A && git commit -m "Import the gateway"');
    if (imported.services.length > 0 && imported.services.length <= 20) {
      steps.push(`tagway${where} publish ${imported.services.map((s) => `${s}@${version}`).join(' ')} --group ${options.group}`);
    } else if (imported.services.length > 0) {
      steps.push(`tagway${where} import ${options.from} --group ${options.group} --publish ${version} (commits the files and publishes all ${imported.services.length} services)`);
    }
  }
  steps.push(`tagway${where} sync --group ${options.group} --dry-run`);
  return steps;
}

async function readText(file: string): Promise<string | null> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch {
    return null;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}


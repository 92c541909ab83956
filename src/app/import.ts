/**
 * `tagway import`: reads what a gateway holds (its Admin API, a standalone file, an ADC file, or
 * one service's OpenAPI document), writes the config repository that compiles back to it into
 * one group (src/import), and with `--check` proves it: compiles what was written and compares
 * the result with the source, object by object. With `--publish` the files are committed and
 * every imported service gets that version. Nothing secret is written or printed: each secret
 * becomes a reference, and the outcome lists the variables to set (names only).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { parseGroupFile } from './group-pointer.js';
import type { ApisixConfig, ApisixKind } from '../model/apisix.js';
import { emptyConfig } from '../apisix/kinds/index.js';
import { UserError } from '../core/errors.js';
import { writeFilesAtomically } from '../core/atomic-write.js';
import { cmp, hasErrors, type Diagnostic } from '../model/diagnostic.js';
import { NAME, groupPath } from '../load/layout.js';
import { openRepo } from '../git/repo.js';
import { worktreeGit } from '../git/cli.js';
import { formatPerson, parsePerson, readIdentity } from '../git/identity.js';
import type { Env } from '../sync/credentials.js';
import { closeTargets, createTargets } from '../sync/targets/create.js';
import type { Target } from '../sync/targets/port.js';
import { SyncError } from '../sync/errors.js';
import { readStandalone } from '../import/from-standalone.js';
import { readAdc } from '../apisix/adc/from-adc.js';
import { openApiToService } from '../import/openapi.js';
import { mergeTemplate, overlayText, templateText, type TemplateChange } from '../import/openapi-merge.js';
import { checkEquivalence, type EquivalenceReport } from '../import/equivalence.js';
import { loadCompileInput } from '../incremental/input.js';
import { compileLoaded } from '../incremental/build.js';
import { selectionOf } from '../model/selection.js';
import { importRepository } from '../import/to-repository.js';
import { slug } from '../import/names.js';
import { mapBounded } from '../core/bounded.js';
import type { AdoptionMap, GatewaySource, SecretVariable, SourceFormat, Unexpressed } from '../import/model.js';
import { runInit } from './init.js';
import { runPublish, type PublishOutcome } from './publish.js';

export interface ImportOptions {
  /** The config repository (any folder inside it), or a folder to make one of. */
  readonly cwd: string;
  /** An Admin API URL (`http://127.0.0.1:9180`) or a file. */
  readonly from: string;
  /** What `from` is; detected from it when absent. */
  readonly format?: ImportFormat;
  /** The service an OpenAPI document becomes (default: its `x-tagway-name` or title). */
  readonly service?: string;
  /** The Admin API key of a live gateway, as a reference: `env:NAME`. */
  readonly adminKey?: string;
  readonly group: string;
  /** Compile what was written and compare it with the source, object by object. */
  readonly check?: boolean;
  /** Tag every imported service with this version (after committing the files). */
  readonly publish?: string;
  /** Write nothing: say what would be written. */
  readonly dryRun?: boolean;
  readonly env: Env;
  readonly author?: string;
}

/** What `--check` found: the compile's findings, and the comparison when it compiled. */
export interface ImportCheck {
  /** Whether what was written compiles (else `diagnostics` says why). */
  readonly compiled: boolean;
  /** The comparison with the source; null when it did not compile, or when there is no gateway to compare with (OpenAPI). */
  readonly report: EquivalenceReport | null;
  readonly diagnostics: readonly Diagnostic[];
  readonly sources: ReadonlyMap<string, string>;
}

export interface ImportOutcome {
  readonly root: string;
  readonly createdRepository: boolean;
  readonly source: { readonly format: ImportFormat; readonly origin: string };
  /** What the import chose or suggests (an OpenAPI path widened, an auth plugin to consider). */
  readonly notes: readonly string[];
  /** A re-imported OpenAPI document: the routes and fields it changed in the template. */
  readonly changes: readonly TemplateChange[];
  /** Findings of reading the source (an OpenAPI document's mistakes): nothing was written. */
  readonly findings: { readonly diagnostics: readonly Diagnostic[]; readonly sources: ReadonlyMap<string, string> } | null;
  readonly dryRun: boolean;
  /** Repository-relative paths written (or that would be), sorted. */
  readonly written: readonly string[];
  /** Paths whose content was already what the import writes. */
  readonly unchanged: readonly string[];
  readonly services: readonly string[];
  readonly variables: readonly SecretVariable[];
  readonly unexpressed: readonly Unexpressed[];
  readonly ignored: readonly Unexpressed[];
  /** Objects that stay on the gateway because objects it keeps use them: tagway writes its own copies (src/import/left-out.ts). */
  readonly kept: readonly Unexpressed[];
  /** How many of the gateway's objects the group takes over, by kind (a live gateway's only: empty for a file). */
  readonly adoption: Readonly<Partial<Record<ApisixKind, number>>>;
  readonly check: ImportCheck | null;
  readonly published: PublishOutcome | null;
  /** Why `--publish` committed and tagged nothing (a failed `--check`, `--dry-run`); null when it was not asked for or ran. */
  readonly publishSkipped: string | null;
  /** What to do next, as commands. */
  readonly next: readonly string[];
}

/** What an import reads: a gateway (its Admin API, a standalone or ADC file) or one service's OpenAPI document. */
export type ImportFormat = SourceFormat | 'openapi';

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

  const dir = path.resolve(options.cwd);
  let root = dir;
  let createdRepository = false;
  let inRepository = true;
  try {
    root = (await openRepo(dir)).dir;
  } catch {
    inRepository = false;
  }
  const plan = format === 'openapi' ? await openApiPlan(options, inRepository ? root : null) : await gatewayPlan(options, format, inRepository ? root : null);
  const base = { root, createdRepository, source: { format, origin: plan.origin }, dryRun: options.dryRun === true, services: plan.services, variables: plan.variables, unexpressed: plan.unexpressed, ignored: plan.ignored, kept: plan.kept, notes: plan.notes, changes: plan.changes };
  if (plan.findings !== null) {
    const publishSkipped = options.publish !== undefined ? 'the source has mistakes (findings above)' : null;
    return { ...base, written: [], unchanged: [], adoption: {}, findings: plan.findings, check: null, published: null, publishSkipped, next: [] };
  }

  const files = new Map(plan.files);
  const groupFile = groupPath(options.group);
  const existingGroup = inRepository ? await readText(path.join(root, groupFile)) : null;
  files.set(groupFile, groupYaml(existingGroup, options, format, plan, version));
  if (plan.adoption !== null) files.set(adoptionPath(options.group), adoptionYaml(plan.adoption, plan.origin));

  const written: string[] = [];
  const unchanged: string[] = [];
  const paths = [...files.keys()].sort(cmp);
  // Into a repository that has them, a re-import rewrites only the files that differ.
  const before = inRepository ? await mapBounded(paths, 16, (rel) => readText(path.join(root, rel))) : [];
  paths.forEach((rel, i) => (before[i] === files.get(rel) ? unchanged : written).push(rel));
  if (!options.dryRun) {
    if (!inRepository) {
      createdRepository = (await runInit({ dir, bare: true })).createdRepository;
      root = (await openRepo(dir)).dir;
    }
    // All or nothing; files that were not there are created in place, unsynced (docs/decisions.md).
    await writeFilesAtomically(written.map((rel) => ({ path: path.join(root, rel), content: files.get(rel)! })), { newFiles: 'direct' });
  }

  const check = options.check && !options.dryRun ? await checkImport(root, options, plan) : null;

  let published: PublishOutcome | null = null;
  const publishSkipped = options.publish === undefined ? null : options.dryRun ? '--dry-run writes nothing' : check !== null && !checkPassed(check) ? checkFailure(check) : null;
  if (options.publish !== undefined && publishSkipped === null) {
    await commitImport(root, [...files.keys()], `Import ${plan.origin} into group ${options.group}`, options.env, options.author);
    published = await runPublish({
      cwd: root,
      releases: plan.services.map((service) => ({ service, version })),
      groups: [options.group],
      message: `Imported from ${plan.origin}`,
      env: options.env,
      ...(options.author !== undefined ? { author: options.author } : {}),
    });
  }

  return {
    ...base,
    root,
    createdRepository,
    written,
    unchanged,
    adoption: plan.adoption !== null ? Object.fromEntries(Object.entries(plan.adoption).map(([k, v]) => [k, Object.keys(v ?? {}).length])) : {},
    findings: null,
    check,
    published,
    publishSkipped,
    next: nextSteps(options, plan, published, publishSkipped, version),
  };
}

/** What an import writes, whatever it read; the use case adds group.yaml and writes. */
interface WritePlan {
  readonly origin: string;
  /** Repository-relative path → text, group.yaml excepted. */
  readonly files: ReadonlyMap<string, string>;
  readonly services: readonly string[];
  readonly variables: readonly SecretVariable[];
  readonly unexpressed: readonly Unexpressed[];
  readonly ignored: readonly Unexpressed[];
  readonly kept: readonly Unexpressed[];
  /** The objects the group takes over (a live gateway's); null: none, no adoption record. */
  readonly adoption: AdoptionMap | null;
  readonly notes: readonly string[];
  readonly changes: readonly TemplateChange[];
  /** Compares what the files compile to with the source; null when there is no gateway to compare with. */
  readonly compare: ((compiled: ApisixConfig, env: Env) => EquivalenceReport) | null;
  /** Findings of reading the source: nothing is written. */
  readonly findings: { readonly diagnostics: readonly Diagnostic[]; readonly sources: ReadonlyMap<string, string> } | null;
}

async function gatewayPlan(options: ImportOptions, format: SourceFormat, root: string | null): Promise<WritePlan> {
  const source = await readSource(options, format);
  const previous = root !== null ? await readAdoption(path.join(root, adoptionPath(options.group))) : {};
  const reserved = root !== null ? await otherServices(root, previous) : new Set<string>();
  const imported = importRepository(source, { group: options.group, previous, reservedServices: reserved });
  // Only a live gateway's objects are taken over: a file's go to a gateway whole (file targets).
  const takesOver = format === 'apisix' && countAdoption(imported.adoption) > 0;
  return {
    origin: source.origin,
    files: imported.files,
    services: imported.services,
    variables: imported.variables,
    unexpressed: imported.unexpressed,
    ignored: imported.ignored,
    kept: imported.kept,
    adoption: takesOver ? imported.adoption : null,
    notes: [],
    changes: [],
    findings: null,
    compare: (compiled, env) => {
      const resolveSecret = (reference: string): string | undefined => {
        const taken = imported.secrets.valueOf(reference);
        if (taken !== undefined) return taken;
        const name = /^env:([A-Za-z_][A-Za-z0-9_]*)$/.exec(reference)?.[1];
        return name !== undefined ? env[name] : undefined;
      };
      const skip = [...imported.unexpressed, ...imported.ignored.map((i) => ({ ...i, category: 'tagway manages already' }))];
      return checkEquivalence(source.config, compiled, { resolveSecret, skip });
    },
  };
}

/**
 * One service from an OpenAPI document: its template (or the existing template with what the
 * document changed, hand-added plugins and comments kept) and the group's overlay.
 */
async function openApiPlan(options: ImportOptions, root: string | null): Promise<WritePlan> {
  const text = await readText(options.from);
  if (text === null) throw new UserError(`cannot read ${options.from}`, 'Check the path.');
  const result = openApiToService(text, options.from, { group: options.group, ...(options.service !== undefined ? { name: options.service } : {}) });
  const empty = { origin: options.from, files: new Map<string, string>(), services: [], variables: [], ignored: [], kept: [], adoption: null, compare: null };
  if (!result.ok) return { ...empty, unexpressed: [], notes: [], changes: [], findings: { diagnostics: result.diagnostics, sources: new Map([[options.from, text]]) } };
  const files = new Map<string, string>();
  const templateFile = `services/${result.name}/service.yaml`;
  const existing = root !== null ? await readText(path.join(root, templateFile)) : null;
  let changes: readonly TemplateChange[] = [];
  if (existing !== null) {
    const merged = mergeTemplate(existing, result.template, templateFile);
    if (!merged.ok) return { ...empty, unexpressed: result.unexpressed, notes: result.notes, changes: [], findings: { diagnostics: merged.diagnostics, sources: new Map([[templateFile, existing]]) } };
    files.set(templateFile, merged.text);
    changes = merged.changes;
  } else {
    files.set(templateFile, templateText(result.template));
  }
  if (result.overlay !== null) files.set(`gateway-groups/${options.group}/services/${result.name}.yaml`, overlayText(result.overlay));
  return { ...empty, files, services: [result.name], unexpressed: result.unexpressed, notes: result.notes, changes, findings: null };
}

async function detectFormat(from: string): Promise<ImportFormat> {
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
    if (typeof data['openapi'] === 'string' || data['swagger'] !== undefined) return 'openapi';
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
  return format === 'standalone' ? readStandalone(text, options.from) : readAdc(text, options.from);
}

/** Every object of every kind the gateway holds, read through the Admin API as `sync` reads it. */
async function readLive(options: ImportOptions): Promise<GatewaySource> {
  if (options.adminKey === undefined) {
    throw new UserError('a live gateway needs its Admin API key', 'Give it as a reference: --admin-key env:NAME (the variable holds the key; the key is never printed).');
  }
  const spec = { name: slugHost(options.from), kind: 'apisix' as const, admin_url: options.from.replace(/\/+$/, ''), admin_key: options.adminKey };
  let target: Target | undefined;
  try {
    [target] = createTargets([spec], { env: options.env, root: options.cwd });
    const live = await target!.read();
    return { format: 'apisix', origin: spec.admin_url, config: live.config, unexpressed: [] };
  } catch (error) {
    if (error instanceof SyncError) throw new UserError(error.message, error.data.hint ?? 'Check FROM and --admin-key.');
    throw error;
  } finally {
    if (target !== undefined) await closeTargets([target]);
  }
}

/** The group's group.yaml: a new one, or the existing one with each imported service pinned. */
function groupYaml(existing: string | null, options: ImportOptions, format: ImportFormat, plan: WritePlan, version: string): string {
  if (existing !== null) {
    const doc = parseGroupFile(existing);
    if (doc.errors.length > 0) throw new UserError(`${groupPath(options.group)} is not valid YAML`, 'Fix it first (tagway validate shows where).');
    for (const service of plan.services) doc.setIn(['published', service], version);
    return doc.toString();
  }
  const lines = [
    '# yaml-language-server: $schema=../../schemas/group.schema.json',
    `# Written by tagway import from ${plan.origin}.`,
    `name: ${options.group}`,
    plan.services.length === 0 ? 'published: {}' : 'published:',
    ...plan.services.map((s) => `  ${s}: ${version}`),
    'targets:',
    ...targetLines(options, format, plan.origin),
  ];
  return `${lines.join('\n')}\n`;
}

function targetLines(options: ImportOptions, format: ImportFormat, origin: string): string[] {
  if (format === 'apisix') {
    return [`  - name: ${slugHost(origin)}`, '    kind: apisix', `    admin_url: ${origin}`, `    admin_key: ${options.adminKey}`];
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
  return slug(host) || 'gateway';
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
    // Names only, read leniently: yaml's duplicate-key check is quadratic in a map's size (an
    // imported gateway's record has a map of tens of thousands of routes); validate checks the file.
    const data = parseYaml(text, { uniqueKeys: false }) as unknown;
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

export function checkPassed(check: ImportCheck): boolean {
  return check.compiled && (check.report === null || check.report.differences.length === 0) && !hasErrors(check.diagnostics);
}

/**
 * Compiles the group as written (its templates as drafts: the pins name versions not published
 * yet) and compares the result with the source. A secret reference the import wrote is compared
 * with the value it replaced (held in memory); `env:NAME` references it did not write, with the
 * variable when it is set. What the import did not write, and what tagway manages already, is left out.
 */
async function checkImport(root: string, options: ImportOptions, plan: WritePlan): Promise<ImportCheck> {
  const group = options.group;
  const loaded = await loadCompileInput({ cwd: root, selection: selectionOf({ groups: [group] }), draft: true, now: Date.now(), cache: false });
  const result = compileLoaded(loaded, { files: false });
  // The pins name the version the next step publishes: that no tag has it yet is expected here.
  const pending = new Set(plan.services.map((s) => `/published/${s}`));
  const diagnostics = result.diagnostics.filter((d) => !(d.code === 'TW3004' && d.file === groupPath(group) && pending.has(d.pointer ?? '')));
  if (hasErrors(diagnostics)) return { compiled: false, report: null, diagnostics, sources: result.sources };
  const compiled = result.snapshots.find((s) => s.group === group)?.apisix ?? emptyConfig();
  return { compiled: true, report: plan.compare?.(compiled, options.env) ?? null, diagnostics, sources: result.sources };
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

/** Why a `--check` did not pass, as the reason `--publish` did nothing. */
function checkFailure(check: ImportCheck): string {
  if (!check.compiled || check.report === null) return '--check: what was written does not compile (findings above)';
  const n = check.report.differences.length;
  return n > 0 ? `--check found ${n} difference${n === 1 ? '' : 's'} between what was written and the source` : '--check found errors in what was written (findings above)';
}

function nextSteps(options: ImportOptions, imported: WritePlan, published: PublishOutcome | null, publishSkipped: string | null, version: string): string[] {
  const steps: string[] = [];
  // `-C` goes after the command's name: oclif reads flags only there.
  const where = options.cwd === '.' ? '' : ` -C ${options.cwd}`;
  if (imported.variables.length > 0) steps.push(`set the ${imported.variables.length} variables listed above where they are read (tagway sync's environment, or the gateway's)`);
  const publish = imported.services.length > 0 && imported.services.length <= 20 ? `tagway publish ${imported.services.map((s) => `${s}@${version}`).join(' ')} --group ${options.group}${where}` : null;
  // A publish that --check stopped: nothing is committed, so nothing to sync until what it found is settled.
  if (publishSkipped !== null && !options.dryRun) {
    steps.push('settle what --check found (the files are written; nothing was committed or tagged)');
    steps.push(`then: git add -A && git commit -m "Import the gateway"${publish !== null ? `, and ${publish}` : ''}`);
    return steps;
  }
  if (published === null && !options.dryRun) {
    steps.push('git add -A && git commit -m "Import the gateway"');
    if (publish !== null) {
      steps.push(publish);
    } else if (imported.services.length > 0) {
      steps.push(`tagway import ${options.from} --group ${options.group} --publish ${version}${where} (commits the files and publishes all ${imported.services.length} services)`);
    }
  }
  steps.push(`tagway sync --group ${options.group} --dry-run${where}`);
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


/**
 * What `sync`, `sync --dry-run` and the live drift checks start from: one group's snapshot and
 * its fleet (`targets` and `rollout` of its group.yaml), either compiled from the repository
 * exactly as `compile` does, or read from an already compiled `snapshot.json`.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { CompileInput } from '../compile/compile.js';
import { sourceOf } from '../compile/memo.js';
import { sha256Digest } from '../core/canonical.js';
import { configOf } from '../apisix/kinds/index.js';
import { configDigest } from '../compile/snapshot.js';
import { SHARED_FOLDER, groupPath } from '../load/layout.js';
import { REPO_CONFIG_FILE } from '../load/source-file.js';
import { uncommittedPaths } from '../git/write.js';
import type { GitRepo } from '../git/repo.js';
import { utf8Text } from '../core/text.js';
import { describeRefusal, readRepoFile } from '../source/repo-file.js';
import { parseYamlFile, sourceText } from '../load/yaml-file.js';
import type { GroupSpec } from '../model/config.js';
import { hasErrors, sourceKey } from '../model/diagnostic.js';
import type { Snapshot } from '../model/snapshot.js';
import type { TargetSpec } from '../model/target.js';
import { SyncError } from '../sync/errors.js';
import { duplicateTargetNames } from '../validate/rules/unique-target-names.js';
import { checkSchema, schemaErrors } from '../validate/schemas.js';
import { UserError } from '../core/errors.js';
import { loadCompileInput } from '../incremental/input.js';
import { compileLoaded } from '../incremental/build.js';
import { checkSnapshotSignature, loadTrust } from './signing.js';
import { openConfigRepo } from '../source/config-repo.js';
import type { GroupFleet, GroupSnapshotOptions, LoadedGroup } from '../model/group-snapshot.js';
import { selectionOf } from '../model/selection.js';

/**
 * Loads a group's snapshot and fleet. Findings of the compile (or of the group.yaml that goes
 * with a snapshot file, or of its tagway.yaml) come back as `findings`; a snapshot file that is
 * unreadable, invalid, tampered with (its digest is recomputed from `apisix`), not signed as the
 * trusted keys require (when any are configured), a draft, or of another group is a UserError.
 * Drafts are never taken: a draft is what publishing would give, not a version.
 */
export async function loadGroupSnapshot(options: GroupSnapshotOptions): Promise<LoadedGroup> {
  if (options.snapshotFile !== undefined) return loadSnapshotFile(options, options.snapshotFile);
  if (options.trustedKeys !== undefined && options.trustedKeys.length > 0) {
    throw new UserError('trusted keys check the signature of a snapshot file, and none is given', 'Give the compiled snapshot with --snapshot, or drop --trusted-key.');
  }
  if (options.group === undefined) {
    throw new UserError('no group given', 'Name the gateway group with --group, or give a compiled snapshot with --snapshot.');
  }
  const group = options.group;
  const loaded = await loadCompileInput({
    cwd: options.cwd,
    selection: selectionOf({ groups: [group] }),
    now: Date.now(),
    ...(options.rev !== undefined ? { rev: options.rev } : {}),
  });
  const { repo, input } = loaded;
  if (!input.tree.files.some((f) => f.path === groupPath(group))) {
    const known = [...new Set(input.tree.files.map((f) => /^gateway-groups\/([^/]+)\/group\.yaml$/.exec(f.path)?.[1]).filter((g) => g !== undefined))].sort();
    throw new UserError(
      `there is no gateway group \`${group}\``,
      `Groups here: ${known.join(', ') || '(none)'}. A group is gateway-groups/<name>/group.yaml.`,
    );
  }
  const result = compileLoaded(loaded, { files: false });
  if (hasErrors(result.diagnostics)) {
    return { kind: 'findings', root: repo.dir, diagnostics: result.diagnostics, sources: result.sources };
  }
  const snapshot = result.snapshots.find((s) => s.group === group);
  if (snapshot === undefined) throw new Error(`compile returned no snapshot for group ${group}`);
  return {
    kind: 'loaded',
    root: repo.dir,
    snapshot,
    source: input.commit === null ? { kind: 'compiled', commit: null, uncommitted: await uncommittedOf(repo, group) } : { kind: 'compiled', commit: input.commit },
    fleet: fleetFromTree(input, group),
    diagnostics: result.diagnostics,
    sources: result.sources,
  };
}

/**
 * The config files of `group` that differ from HEAD: what a sync compiled from the worktree takes
 * that the repository does not hold yet. Null when git cannot list them (a linked worktree).
 */
async function uncommittedOf(repo: GitRepo, group: string): Promise<string[] | null> {
  const folders = ['services', `gateway-groups/${group}`, `gateway-groups/${SHARED_FOLDER}`, REPO_CONFIG_FILE];
  return uncommittedPaths(repo, folders).catch(() => null);
}

/**
 * The digest of a snapshot file's `apisix`. A file written by compile holds its keys in canonical
 * order already, so its plain JSON is its canonical JSON: when that hashes to the recorded digest
 * the content is exactly what was compiled, and sorting the keys of every object is not needed.
 */
function snapshotDigest(apisix: Snapshot['apisix'], recorded: string): string {
  const plain = sha256Digest(JSON.stringify(apisix));
  return plain === recorded ? plain : configDigest(apisix);
}

/** The fleet of a group.yaml that compiled without errors (so it passed its schema). */
function fleetFromTree(input: CompileInput, group: string): GroupFleet {
  const file = groupPath(group);
  const source = input.tree.files.find((f) => f.path === file);
  const parsed = source === undefined ? null : parseYamlFile(sourceOf(source, input.memo));
  if (parsed === null || !parsed.ok) throw new Error(`${file} compiled but cannot be read again`);
  return fleetOf(file, parsed.file.data as GroupSpec);
}

function fleetOf(file: string, spec: GroupSpec): GroupFleet {
  return {
    file,
    targets: spec.targets ?? [],
    rollout: { batch_size: spec.rollout?.batch_size ?? 1, ...(spec.rollout?.restore_on_check_failure !== undefined ? { restore_on_check_failure: spec.rollout.restore_on_check_failure } : {}) },
    probes: spec.checks?.probes ?? [],
    probeChangedRoutes: spec.checks?.probe_changed_routes === true,
    ...(spec.checks?.metrics !== undefined ? { metrics: spec.checks.metrics } : {}),
  };
}

async function loadSnapshotFile(options: GroupSnapshotOptions, file: string): Promise<LoadedGroup> {
  const repo = await openConfigRepo(options.cwd);
  const abs = path.resolve(options.cwd, file);
  let text: string;
  try {
    // One synchronous read: tens of MiB read through promises go in small steps, each waiting
    // for the event loop.
    text = utf8Text(readFileSync(abs));
  } catch (error) {
    throw new UserError(`cannot read snapshot ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, 'Give the path of a snapshot.json written by tagway compile.', { cause: error });
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new UserError(`snapshot ${file} is not JSON: ${(error as Error).message}`, 'Give the path of a snapshot.json written by tagway compile.', { cause: error });
  }
  const problems = schemaErrors('snapshot', data);
  if (problems.length > 0) {
    const shown = problems.slice(0, 5).join('; ');
    throw new UserError(
      `snapshot ${file} is not a tagway snapshot: ${shown}${problems.length > 5 ? ` (and ${problems.length - 5} more)` : ''}`,
      'Compile it again with tagway compile; snapshots are checked against schemas/snapshot.schema.json.',
    );
  }
  const recorded = data as Snapshot;
  const actual = snapshotDigest(recorded.apisix, recorded.digest);
  if (actual !== recorded.digest) {
    throw new UserError(
      `snapshot ${file} says digest ${recorded.digest}, but its content hashes to ${actual}: it was changed after it was compiled`,
      'Never edit a snapshot; change the configuration files and run tagway compile again.',
    );
  }
  // A snapshot compiled before a kind was managed has no list of it: none of that kind.
  const lists = recorded.apisix as Partial<Snapshot['apisix']>;
  const snapshot: Snapshot = { ...recorded, apisix: configOf((kind) => lists[kind.name] ?? []) };
  // The signature is checked before anything else is taken from the file: it vouches for the
  // group, the draft flag and the provenance as well as the digest.
  const loadedTrust = await loadTrust(repo.dir, options.trustedKeys ?? [], { cwd: options.cwd, env: options.env ?? {} });
  if (loadedTrust.kind === 'findings') return { kind: 'findings', root: repo.dir, diagnostics: loadedTrust.diagnostics, sources: loadedTrust.sources };
  const { trust } = loadedTrust;
  const signature = trust.keys.length > 0 ? checkSnapshotSignature(file, abs, snapshot, trust) : null;
  if (snapshot.draft) {
    throw new UserError(
      `snapshot ${file} is a draft (compiled with --draft from the worktree templates); drafts are never synced`,
      `Publish the templates (tagway publish) and compile without --draft, or run tagway sync --group ${snapshot.group}.`,
    );
  }
  if (options.group !== undefined && options.group !== snapshot.group) {
    throw new UserError(`snapshot ${file} is for group ${snapshot.group}, not ${options.group}`, `Drop --group, or give the snapshot of ${options.group}.`);
  }

  const groupFile = groupPath(snapshot.group);
  const read = readRepoFile(repo.dir, groupFile);
  if (!read.ok) {
    throw new UserError(
      read.refusal.kind === 'missing'
        ? `snapshot ${file} is for group ${snapshot.group}, but this repository has no ${groupFile} to take its targets from`
        : `snapshot ${file} is for group ${snapshot.group}, but ${describeRefusal(groupFile, read.refusal)}`,
      read.refusal.kind === 'missing' ? 'Run tagway sync in the config repository the snapshot was compiled from.' : `Make ${groupFile} a regular file of the repository.`,
    );
  }
  const source = { path: groupFile, bytes: read.bytes };
  const parsed = parseYamlFile(source);
  const sources = new Map<string, string>();
  const groupText = sourceText(source);
  if (groupText !== null) sources.set(sourceKey(groupFile, undefined), groupText);
  if (!parsed.ok) return { kind: 'findings', root: repo.dir, diagnostics: parsed.diagnostics, sources };
  const schemaFindings = checkSchema('group', parsed.file);
  const findings = schemaFindings.length > 0 ? schemaFindings : duplicateTargetNames(parsed.file, parsed.file.data as GroupSpec);
  if (findings.length > 0) return { kind: 'findings', root: repo.dir, diagnostics: findings, sources };
  return {
    kind: 'loaded',
    root: repo.dir,
    snapshot,
    source: { kind: 'file', path: abs, signature },
    fleet: fleetOf(groupFile, parsed.file.data as GroupSpec),
    diagnostics: [],
    sources,
  };
}

/**
 * The targets to use: all of the fleet, or those named (in fleet order). A group without targets
 * and a name that is not one of them are UserErrors that list what there is.
 */
export function selectTargets(group: string, fleet: GroupFleet, names: readonly string[] | undefined): TargetSpec[] {
  const all = fleet.targets.map((t) => t.name);
  if (fleet.targets.length === 0) {
    throw new UserError(
      `group ${group} has no targets`,
      `Add a targets: list to ${fleet.file} (kinds apisix, apisix-standalone, file; see docs/sync.md).`,
    );
  }
  if (names === undefined || names.length === 0) return [...fleet.targets];
  const unknown = [...new Set(names)].filter((n) => !all.includes(n));
  if (unknown.length > 0) {
    throw new UserError(
      `${unknown.length === 1 ? 'unknown target' : 'unknown targets'} ${unknown.join(', ')} in group ${group}`,
      `The targets of ${group} (${fleet.file}) are: ${all.join(', ')}.`,
    );
  }
  return fleet.targets.filter((t) => names.includes(t.name));
}

/**
 * Runs a fleet operation, turning a SyncError it throws before any target is contacted (a
 * credential reference whose variable is unset) into a UserError: a usage error, exit 2. The
 * message names the variable, never a value.
 */
export async function withFleetErrors<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof SyncError) throw new UserError(error.message, error.data.hint, { cause: error });
    throw error;
  }
}

/**
 * `tagway rollback <service> --group G [--to X.Y.Z]`: a commit that points G back at a version it
 * ran before. The group's runtime overlay is not touched, and the commit changes exactly what a
 * `git revert` of the publish (or promote) commit would change when the pin was exact. What a
 * group ran includes what a range pin selected as tags were created, not only recorded versions.
 */
import semver from 'semver';
import { pointerState, pointerTimeline, readFileHistory, readTagDetails, versionsRan } from '../git/history.js';
import { isExactVersion, resolvePin } from '../core/pins.js';
import { SHALLOW_HINT } from '../git/repo.js';
import type { Diagnostic } from '../model/diagnostic.js';
import { UserError } from '../core/errors.js';
import { closestService } from './service-names.js';
import { editGroupPointer, pinFor } from './group-pointer.js';
import { assertCommitted, assertOnBranch, commitChange, openForWrite, readGroupAtHead, validateChange } from './version-change.js';
import type { CommitStep, PointerMove, WriteOptions } from './version-change.js';

export interface RollbackOptions extends WriteOptions {
  readonly service: string;
  readonly group: string;
  /** Version to go back to; default: the one the group ran before the current one. */
  readonly to?: string;
}

export type RollbackOutcome =
  | {
      readonly ok: true;
      readonly root: string;
      /** Nothing was written: `commits` says what would have been. */
      readonly dryRun: boolean;
      readonly service: string;
      readonly tag: string;
      readonly move: PointerMove;
      readonly commits: readonly CommitStep[];
      readonly diagnostics: readonly Diagnostic[];
      readonly sources: ReadonlyMap<string, string>;
    }
  | { readonly ok: false; readonly root: string; readonly diagnostics: readonly Diagnostic[]; readonly sources: ReadonlyMap<string, string> };

/**
 * The versions a group went through (`versionsRan`: what its pin selected over time, a range's
 * newer tags included), with returns cut out: going back to a version already on the
 * path drops what came after it. So the default rollback target (the entry before the last) is
 * the version the group ran before the current one, and rolling back again keeps going back
 * (1.0 → 1.1 → 1.2, rollback → 1.1, rollback → 1.0) instead of toggling between two versions.
 * A `git revert` of a publish commit is a return too, so it counts the same as a rollback.
 */
export function versionPath(versions: readonly string[]): string[] {
  const path: string[] = [];
  for (const version of versions) {
    const at = path.lastIndexOf(version);
    if (at >= 0) path.length = at + 1;
    else path.push(version);
  }
  return path;
}

export async function runRollback(options: RollbackOptions): Promise<RollbackOutcome> {
  const { service, group } = options;
  if (options.to !== undefined && !isExactVersion(options.to)) {
    throw new UserError(`--to takes an exact version, not \`${options.to}\``, 'e.g. --to 1.2.0');
  }
  const ctx = await openForWrite(options);
  assertOnBranch(ctx);
  const file = await readGroupAtHead(ctx, group);
  const state = pointerState(file.pointer, service);
  if (state === null) {
    throw new UserError(`group ${group} does not publish ${service}`, closestService(service, file.pointer.published.keys()) ?? 'Only a published service can be rolled back.');
  }
  const current = resolvePin(ctx.tags, service, state.pin);
  const currentVersion = current?.version ?? state.version;

  const history = await readFileHistory(ctx.repo, ctx.head, file.path);
  const dated = await readTagDetails(ctx.repo, ctx.tags.filter((t) => t.service === service));
  const timeline = pointerTimeline(history, service, dated);
  const ran = versionsRan(timeline, service, dated);
  const path = versionPath(currentVersion === null ? ran : [...ran, currentVersion]);
  /** The object each version's tag had when the group last recorded it. */
  const recorded = new Map<string, string>();
  for (const change of timeline) if (change.to?.version && change.to.object) recorded.set(change.to.version, change.to.object);
  const tagOf = (version: string) => ctx.tags.find((t) => t.service === service && t.version === version) ?? null;
  const qualifying = [...new Set(ran)].filter((v) => v !== currentVersion && tagOf(v) !== null).sort((a, b) => semver.rcompare(a, b));
  const shallowNote =
    history.cut === null
      ? ''
      : history.cut.kind === 'shallow'
        ? ` The clone is shallow, so older history is missing: ${SHALLOW_HINT}.`
        : ` Older history cannot be read: ${history.cut.error.message}. ${history.cut.error.hint}`;

  let targetVersion: string;
  if (options.to !== undefined) {
    if (options.to === currentVersion) throw new UserError(`group ${group} already runs ${service} ${options.to}`);
    if (!qualifying.includes(options.to)) {
      const hint = qualifying.length > 0 ? `Versions ${group} ran before: ${qualifying.join(', ')}.` : `${group} has run no other version of ${service}.`;
      throw new UserError(
        `group ${group} never ran ${service} ${options.to}${tagOf(options.to) === null ? ' (and it has no tag)' : ''}; a rollback goes back only to a version the group ran`,
        `${hint} To run a new version there, use \`tagway promote\` or \`tagway publish --group ${group}\`.${shallowNote}`,
      );
    }
    targetVersion = options.to;
  } else {
    const before = path.length >= 2 ? path[path.length - 2] : undefined;
    if (before === undefined) {
      throw new UserError(`group ${group} has run no earlier version of ${service}${currentVersion ? ` than ${currentVersion}` : ''}`, `Nothing to roll back to.${shallowNote}`);
    }
    if (tagOf(before) === null) {
      throw new UserError(
        `${service} ${before}, the version ${group} ran before, has no tag any more`,
        qualifying.length > 0 ? `Choose another with --to: ${qualifying.join(', ')}.` : 'Restore the tag, or publish a new version.',
      );
    }
    targetVersion = before;
  }
  const target = tagOf(targetVersion)!;
  const was = recorded.get(targetVersion);
  if (was !== undefined && was !== target.object) {
    throw new UserError(
      `tag ${target.tag} was moved or re-created since ${group} ran it (recorded ${was.slice(0, 12)}, now ${target.object.slice(0, 12)}); rolling back to it would not restore what ran`,
      `Put the tag back (\`git update-ref refs/tags/${target.tag} ${was}\`, or fetch it from the remote), or choose another version with --to.`,
    );
  }

  await assertCommitted(ctx, [file.path], 'tagway commits group.yaml as it is at HEAD');
  const pin = pinFor(state.pin, target, ctx.tags);
  const text = editGroupPointer(file.text, { service, pin, lock: { version: target.version, object: target.object } });
  const validation = await validateChange(ctx, { services: [service], groups: [group], edits: new Map([[file.path, text]]) });
  if (!validation.ok) return { ok: false, root: ctx.repo.dir, diagnostics: validation.diagnostics, sources: validation.sources };

  const message = `rollback ${service} on ${group} from ${currentVersion ?? state.pin} to ${target.version}`;
  const commits = await commitChange(ctx, { commits: [{ message, files: [{ path: file.path, before: file.text, after: text }] }] }, options);
  return {
    ok: true,
    root: ctx.repo.dir,
    dryRun: options.dryRun === true,
    service,
    tag: target.tag,
    move: { group, service, from: { pin: state.pin, version: currentVersion }, to: { pin, version: target.version }, commit: commits[0]!.commit, message },
    commits,
    diagnostics: validation.diagnostics,
    sources: validation.sources,
  };
}

/**
 * `tagway promote <service> --from G1 --to G2`: points G2 at the version G1 runs now (API7's
 * "sync to another gateway group": the same version, no new tag). One commit.
 */
import { pointerState } from '../git/history.js';
import { lockFits } from '../git/lock.js';
import { resolvePin } from '../git/pin.js';
import type { Diagnostic } from '../model/diagnostic.js';
import { UserError } from './errors.js';
import { closestService } from './service-names.js';
import { editGroupPointer, pinFor } from './group-pointer.js';
import type { PointerMove } from './publish.js';
import { assertCommitted, assertOnBranch, commitChange, openForWrite, readGroupAtHead, validateChange } from './version-change.js';
import type { WriteOptions } from './version-change.js';

export interface PromoteOptions extends WriteOptions {
  readonly service: string;
  readonly from: string;
  readonly to: string;
}

export type PromoteOutcome =
  | {
      readonly ok: true;
      readonly root: string;
      readonly service: string;
      readonly version: string;
      readonly tag: string;
      /** The move of `to`; null when it already ran that version (nothing committed). */
      readonly move: PointerMove | null;
      readonly diagnostics: readonly Diagnostic[];
      readonly sources: ReadonlyMap<string, string>;
    }
  | { readonly ok: false; readonly root: string; readonly diagnostics: readonly Diagnostic[]; readonly sources: ReadonlyMap<string, string> };

export async function runPromote(options: PromoteOptions): Promise<PromoteOutcome> {
  const { service, from, to } = options;
  if (from === to) throw new UserError(`--from and --to both name ${from}`, 'Promote copies a version from one group to another.');
  const ctx = await openForWrite(options);
  assertOnBranch(ctx);
  const source = await readGroupAtHead(ctx, from);
  const target = await readGroupAtHead(ctx, to);

  const sourceState = pointerState(source.pointer, service);
  if (sourceState === null) {
    const guess = closestService(service, source.pointer.published.keys());
    throw new UserError(`group ${from} does not publish ${service}`, guess ?? `Publish it there first: \`tagway publish ${service} --version X.Y.Z --group ${from}\`.`);
  }
  const tag = resolvePin(ctx.tags, service, sourceState.pin);
  if (tag === null) throw new UserError(`${from}'s pin of ${service}, \`${sourceState.pin}\`, matches no tag`, 'Run `tagway validate` to see what is wrong with it.');
  const sourceLock = source.pointer.locks.get(service);
  if (sourceLock !== undefined && lockFits(sourceState.pin, sourceLock.version) && sourceLock.version === tag.version && sourceLock.object !== tag.object) {
    throw new UserError(
      `tag ${tag.tag} was moved or re-created since ${from} recorded it (${sourceLock.object.slice(0, 12)}, now ${tag.object.slice(0, 12)}); it is not promoted`,
      'Run `tagway validate` for how to restore the tag, or publish the new content as a new version.',
    );
  }

  const targetState = pointerState(target.pointer, service);
  const running = targetState === null ? null : resolvePin(ctx.tags, service, targetState.pin);
  if (running?.tag === tag.tag) {
    return { ok: true, root: ctx.repo.dir, service, version: tag.version, tag: tag.tag, move: null, diagnostics: [], sources: new Map() };
  }
  await assertCommitted(ctx, [target.path], 'tagway commits group.yaml as it is at HEAD');
  const pin = pinFor(targetState?.pin, tag, ctx.tags);
  const text = editGroupPointer(target.text, { service, pin, lock: { version: tag.version, object: tag.object } });
  const validation = await validateChange(ctx, { service, groups: [to], edits: new Map([[target.path, text]]) });
  if (!validation.ok) return { ok: false, root: ctx.repo.dir, diagnostics: validation.diagnostics, sources: validation.sources };

  const message = `promote ${service} ${tag.version} from ${from} to ${to}`;
  const applied = await commitChange(ctx, { commits: [{ message, changes: [{ path: target.path, content: new TextEncoder().encode(text) }] }] }, options);
  return {
    ok: true,
    root: ctx.repo.dir,
    service,
    version: tag.version,
    tag: tag.tag,
    move: {
      group: to,
      from: targetState === null ? null : { pin: targetState.pin, version: running?.version ?? targetState.version },
      to: { pin, version: tag.version },
      commit: applied.commits[0]!,
      message,
    },
    diagnostics: validation.diagnostics,
    sources: validation.sources,
  };
}

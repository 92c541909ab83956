/**
 * `tagway promote <service>… --from G1 --to G2`: points G2 at the version of each service G1 runs
 * now (API7's "sync to another gateway group": the same version, no new tag). One commit, however
 * many services move (`promote orders 1.0.0, petstore 1.2.0 from staging to production`);
 * services G2 already runs at that version are left as they are.
 */
import { pointerState } from '../git/history.js';
import { lockFits } from '../core/pin-locks.js';
import { resolvePin } from '../core/pins.js';
import type { Diagnostic } from '../model/diagnostic.js';
import { UserError } from '../core/errors.js';
import { closestService } from './service-names.js';
import { editGroupPointer, pinFor } from './group-pointer.js';
import { assertCommitted, assertOnBranch, commitChange, openForWrite, readGroupAtHead, validateChange } from './version-change.js';
import type { CommitStep, PointerMove, WriteOptions } from './version-change.js';

export interface PromoteOptions extends WriteOptions {
  /** One service, or several (`services`) moved together in one commit. */
  readonly service?: string;
  readonly services?: readonly string[];
  readonly from: string;
  readonly to: string;
}

/** A service promoted: the version (and tag) `from` runs. */
export interface Promoted {
  readonly service: string;
  readonly version: string;
  readonly tag: string;
}

export type PromoteOutcome =
  | {
      readonly ok: true;
      readonly root: string;
      /** Nothing was written: `commits` says what would have been. */
      readonly dryRun: boolean;
      /** Every service asked for, by name, with the version `from` runs. */
      readonly services: readonly Promoted[];
      /** The moves of `to`; a service it already ran at that version has none (and with none at all, nothing is committed). */
      readonly moves: readonly PointerMove[];
      readonly commits: readonly CommitStep[];
      readonly diagnostics: readonly Diagnostic[];
      readonly sources: ReadonlyMap<string, string>;
    }
  | { readonly ok: false; readonly root: string; readonly diagnostics: readonly Diagnostic[]; readonly sources: ReadonlyMap<string, string> };

export async function runPromote(options: PromoteOptions): Promise<PromoteOutcome> {
  const { from, to } = options;
  const services = [...new Set([...(options.service !== undefined ? [options.service] : []), ...(options.services ?? [])])].sort();
  if (services.length === 0) throw new UserError('no service to promote', `Name one or more: \`tagway promote petstore orders --from ${from} --to ${to}\`.`);
  if (from === to) throw new UserError(`--from and --to both name ${from}`, 'Promote copies a version from one group to another.');
  const ctx = await openForWrite(options);
  assertOnBranch(ctx);
  const source = await readGroupAtHead(ctx, from);
  const target = await readGroupAtHead(ctx, to);

  const promoted: (Promoted & { readonly object: string })[] = [];
  for (const service of services) {
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
    promoted.push({ service, version: tag.version, tag: tag.tag, object: tag.object });
  }
  const done = promoted.map(({ service, version, tag }) => ({ service, version, tag }));

  let text = target.text;
  const moves: Omit<PointerMove, 'commit' | 'message'>[] = [];
  for (const p of promoted) {
    const targetState = pointerState(target.pointer, p.service);
    const running = targetState === null ? null : resolvePin(ctx.tags, p.service, targetState.pin);
    if (running?.tag === p.tag) continue;
    const tag = ctx.tags.find((t) => t.tag === p.tag)!;
    const pin = pinFor(targetState?.pin, tag, ctx.tags);
    text = editGroupPointer(text, { service: p.service, pin, lock: { version: p.version, object: p.object } });
    moves.push({
      group: to,
      service: p.service,
      from: targetState === null ? null : { pin: targetState.pin, version: running?.version ?? targetState.version },
      to: { pin, version: p.version },
    });
  }
  if (moves.length === 0) return { ok: true, root: ctx.repo.dir, dryRun: options.dryRun === true, services: done, moves: [], commits: [], diagnostics: [], sources: new Map() };
  await assertCommitted(ctx, [target.path], 'tagway commits group.yaml as it is at HEAD');
  const validation = await validateChange(ctx, { services: moves.map((m) => m.service), groups: [to], edits: new Map([[target.path, text]]) });
  if (!validation.ok) return { ok: false, root: ctx.repo.dir, diagnostics: validation.diagnostics, sources: validation.sources };

  const message = `promote ${moves.map((m) => `${m.service} ${m.to.version}`).join(', ')} from ${from} to ${to}`;
  const commits = await commitChange(ctx, { commits: [{ message, files: [{ path: target.path, before: target.text, after: text }] }] }, options);
  return {
    ok: true,
    root: ctx.repo.dir,
    dryRun: options.dryRun === true,
    services: done,
    moves: moves.map((m) => ({ ...m, commit: commits[0]!.commit, message })),
    commits,
    diagnostics: validation.diagnostics,
    sources: validation.sources,
  };
}

/**
 * `tagway publish <service> --version X.Y.Z [--group G…]`: the template at HEAD becomes version
 * X.Y.Z (annotated tag `<service>/vX.Y.Z` on HEAD), and each named group is pointed at it in a
 * commit of its own (`publish petstore 1.3.0 to staging`). All or nothing: no tag without its
 * pointer commits.
 */
import semver from 'semver';
import { pointerState } from '../git/history.js';
import { resolvePin } from '../git/pin.js';
import { resolveRefName } from '../git/refs.js';
import { NAME_PATTERN, parseVersionTagName } from '../git/tags.js';
import type { VersionTag } from '../git/tags.js';
import { listTree, readBlob } from '../git/tree.js';
import { writeTagObject } from '../git/write.js';
import { templatePath } from '../load/layout.js';
import type { Diagnostic } from '../model/diagnostic.js';
import { UserError } from './errors.js';
import { closestService, knownServices } from './service-names.js';
import { editGroupPointer, pinFor } from './group-pointer.js';
import { versionTagMessage } from './template-changes.js';
import {
  asUserError,
  assertCommitted,
  assertOnBranch,
  commitChange,
  openForWrite,
  readGroupAtHead,
  validateChange,
} from './version-change.js';
import type { WriteContext, WriteOptions } from './version-change.js';

export interface PublishOptions extends WriteOptions {
  readonly service: string;
  readonly version: string;
  /** Groups to point at the new version, each in its own commit. */
  readonly groups?: readonly string[];
  /** Tag message; default: a summary of what changed since the previous version. */
  readonly message?: string;
  /** Allow a version lower than the newest existing one (e.g. a patch of an older line). */
  readonly allowLower?: boolean;
}

/** A group pointer before and after a change. */
export interface PointerMove {
  readonly group: string;
  readonly from: { readonly pin: string; readonly version: string | null } | null;
  readonly to: { readonly pin: string; readonly version: string };
  /** The commit that made the move. */
  readonly commit: string;
  readonly message: string;
}

export type PublishOutcome =
  | {
      readonly ok: true;
      readonly root: string;
      readonly service: string;
      readonly version: string;
      readonly tag: { readonly name: string; readonly object: string; readonly commit: string; readonly message: string };
      readonly groups: readonly PointerMove[];
      readonly diagnostics: readonly Diagnostic[];
      readonly sources: ReadonlyMap<string, string>;
    }
  | {
      /** The template, or a group with the new version, does not validate: nothing was written. */
      readonly ok: false;
      readonly root: string;
      readonly diagnostics: readonly Diagnostic[];
      readonly sources: ReadonlyMap<string, string>;
    };

/** Stands in for the tag object's id while validating, before the tag object is written. */
const PENDING_OBJECT = '0'.repeat(40);

export async function runPublish(options: PublishOptions): Promise<PublishOutcome> {
  const { service, version } = options;
  checkNames(service, version);
  const groups = [...new Set(options.groups ?? [])];
  const ctx = await openForWrite(options);
  if (groups.length > 0) assertOnBranch(ctx);
  const tagName = `${service}/v${version}`;

  const templateText = await templateAtHead(ctx, service);
  await assertCommitted(ctx, [`services/${service}`], 'a version is made from committed files only');
  if ((await resolveRefName(ctx.repo, `refs/tags/${tagName}`)) !== null) {
    const next = nextVersion(ctx.tags, service);
    throw new UserError(`${tagName} already exists; versions are unique and immutable`, next ? `Publish the next version, e.g. --version ${next}.` : undefined);
  }
  const existing = ctx.tags.filter((t) => t.service === service);
  const newest = existing[existing.length - 1];
  if (newest !== undefined && !semver.gt(version, newest.version) && options.allowLower !== true) {
    throw new UserError(
      `${version} is not greater than ${service}'s newest version ${newest.version}`,
      `Publish a greater version (e.g. --version ${semver.inc(newest.version, 'patch')}), or pass --allow-lower to publish ${version} on purpose (a fix of an older line).`,
    );
  }
  const groupFiles: ({ readonly group: string } & Awaited<ReturnType<typeof readGroupAtHead>>)[] = [];
  for (const group of groups) {
    const file = await readGroupAtHead(ctx, group);
    groupFiles.push({ group, ...file });
  }
  if (groupFiles.length > 0) await assertCommitted(ctx, groupFiles.map((g) => g.path), 'tagway commits group.yaml as it is at HEAD');

  const pending: VersionTag = { service, version, tag: tagName, object: PENDING_OBJECT, commit: ctx.head, annotated: true };
  const tagsAfter = [...ctx.tags, pending].sort((a, b) => (a.service !== b.service ? (a.service < b.service ? -1 : 1) : semver.compare(a.version, b.version)));
  const plan = (object: string) =>
    groupFiles.map(({ group, path, text, pointer }) => {
      const before = pointerState(pointer, service);
      const pin = pinFor(before?.pin, { ...pending, object }, tagsAfter);
      const from = before === null ? null : { pin: before.pin, version: resolvePin(ctx.tags, service, before.pin)?.version ?? before.version };
      return { group, path, from, pin, text: editGroupPointer(text, { service, pin, lock: { version, object } }) };
    });

  const validation = await validateChange(ctx, {
    service,
    groups,
    edits: new Map(plan(PENDING_OBJECT).map((p) => [p.path, p.text])),
    extraTags: [pending],
  });
  if (!validation.ok) return { ok: false, root: ctx.repo.dir, diagnostics: validation.diagnostics, sources: validation.sources };

  const previous = [...existing].reverse().find((t) => semver.lt(t.version, version)) ?? null;
  const message =
    options.message ?? versionTagMessage(service, version, templateText, previous === null ? null : { version: previous.version, text: await templateAt(ctx, previous) });
  let object: string;
  try {
    object = await writeTagObject(ctx.repo, { name: tagName, commit: ctx.head, message, tagger: ctx.committer }, options.fs !== undefined ? { fs: options.fs } : {});
  } catch (error) {
    throw asUserError(error);
  }
  const edits = plan(object);
  const commits = edits.map((e) => ({ message: `publish ${service} ${version} to ${e.group}`, changes: [{ path: e.path, content: new TextEncoder().encode(e.text) }] }));
  const applied = await commitChange(ctx, { tag: { name: tagName, object }, commits }, options);
  return {
    ok: true,
    root: ctx.repo.dir,
    service,
    version,
    tag: { name: tagName, object, commit: ctx.head, message },
    groups: edits.map((e, i) => ({ group: e.group, from: e.from, to: { pin: e.pin, version }, commit: applied.commits[i]!, message: commits[i]!.message })),
    diagnostics: validation.diagnostics,
    sources: validation.sources,
  };
}

function checkNames(service: string, version: string): void {
  if (!NAME_PATTERN.test(service)) {
    throw new UserError(`\`${service}\` is not a service name`, 'Service names are 1-31 characters of a-z, 0-9 and -, starting and ending with a letter or digit.');
  }
  const parsed = parseVersionTagName(`${service}/v${version}`);
  if (parsed.kind !== 'version') {
    const hint = /^v\d/.test(version)
      ? `Write the version without the v: --version ${version.slice(1)} (the tag is ${service}/${version}).`
      : 'A version is semver written canonically: MAJOR.MINOR.PATCH, optionally -prerelease (1.3.0, 2.0.0-rc.1); no build metadata.';
    throw new UserError(`\`${version}\` is not a version`, hint);
  }
}

function nextVersion(tags: readonly VersionTag[], service: string): string | null {
  const mine = tags.filter((t) => t.service === service);
  const newest = mine[mine.length - 1];
  return newest === undefined ? null : semver.inc(newest.version, 'patch');
}

async function templateAtHead(ctx: WriteContext, service: string): Promise<string> {
  const path = templatePath(service);
  const entry = (await listTree(ctx.repo, ctx.head, [path])).find((e) => e.path === path && e.mode !== '120000');
  if (entry === undefined) {
    const guess = closestService(service, await knownServices(ctx.repo, ctx.head, ctx.tags));
    throw new UserError(
      `${path} is not committed at HEAD`,
      `${guess === null ? '' : `${guess} Otherwise: `}Create the template, commit it, then publish. A service's folder name equals its name.`,
    );
  }
  return new TextDecoder().decode(await readBlob(ctx.repo, entry.oid));
}

async function templateAt(ctx: WriteContext, tag: VersionTag): Promise<string> {
  const path = templatePath(tag.service);
  const entry = (await listTree(ctx.repo, tag.commit, [path])).find((e) => e.path === path);
  return entry === undefined ? '' : new TextDecoder().decode(await readBlob(ctx.repo, entry.oid));
}

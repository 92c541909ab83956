/**
 * `tagway publish <service> --version X.Y.Z [--group G…]`: the template at HEAD becomes version
 * X.Y.Z (annotated tag `<service>/vX.Y.Z` on HEAD), and each named group is pointed at it in a
 * commit of its own (`publish petstore 1.3.0 to staging`). Several services at once
 * (`publish petstore@1.3.0 orders@2.0.1`) make a tag each and one commit per group that moves
 * every pin (`publish orders 2.0.1, petstore 1.3.0 to staging`). All or nothing: every template
 * and group is validated first, and no tag is made without the others and the pointer commits.
 */
import fs from 'node:fs';
import nodePath from 'node:path';
import semver from 'semver';
import { pointerState } from '../git/history.js';
import { resolvePin } from '../core/pins.js';
import { resolveRefName } from '../git/refs.js';
import { NAME_PATTERN, parseVersionTagName } from '../git/tags.js';
import { listTree } from '../git/reader.js';
import { readBlob } from '../git/tree.js';
import { writeTagObject } from '../git/write.js';
import { templatePath } from '../load/layout.js';
import type { Diagnostic } from '../model/diagnostic.js';
import { UserError } from '../core/errors.js';
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
import type { CommitStep, PointerMove, TagStep, WriteContext, WriteOptions } from './version-change.js';
import type { VersionTag } from '../model/version.js';

/** One version to make: the template of `service` at HEAD becomes `version`. */
export interface Release {
  readonly service: string;
  readonly version: string;
}

interface PublishSettings extends WriteOptions {
  /** Groups to point at the new versions, each in one commit of its own. */
  readonly groups?: readonly string[];
  /** Tag message (of every tag); default: a summary of what changed since the previous version. */
  readonly message?: string;
  /** Allow a version lower than the newest existing one (e.g. a patch of an older line). */
  readonly allowLower?: boolean;
}

/** One service (`service` + `version`), or several (`releases`) tagged and pointed at together. */
export type PublishOptions = PublishSettings & ({ readonly service: string; readonly version: string } | { readonly releases: readonly Release[] });

export type { PointerMove } from './version-change.js';

export type PublishOutcome =
  | {
      readonly ok: true;
      readonly root: string;
      /** Nothing was written: `tags` and `commits` say what would have been. */
      readonly dryRun: boolean;
      /** The new versions, by service name. */
      readonly tags: readonly TagStep[];
      /** Each group's move of each service, by group (as given) then service. */
      readonly groups: readonly PointerMove[];
      /** One per group, in the order given. */
      readonly commits: readonly CommitStep[];
      readonly diagnostics: readonly Diagnostic[];
      readonly sources: ReadonlyMap<string, string>;
    }
  | {
      /** A template, or a group with the new versions, does not validate: nothing was written. */
      readonly ok: false;
      readonly root: string;
      readonly diagnostics: readonly Diagnostic[];
      readonly sources: ReadonlyMap<string, string>;
    };

/** Stands in for the tag objects' ids while validating, before they are written (and in a dry run). */
const PENDING_OBJECT = '0'.repeat(40);
/** How a dry run shows the lock of a tag that is not written. */
const PENDING_SHOWN = '<object of the new tag>';

export async function runPublish(options: PublishOptions): Promise<PublishOutcome> {
  const releases = releasesOf(options);
  const groups = [...new Set(options.groups ?? [])];
  const ctx = await openForWrite(options);
  if (groups.length > 0) assertOnBranch(ctx);

  const templates = new Map<string, string>();
  for (const { service } of releases) templates.set(service, await templateAtHead(ctx, service));
  await assertCommitted(ctx, releases.map((r) => `services/${r.service}`), 'a version is made from committed files only');
  for (const release of releases) await assertNewVersion(ctx, release, options.allowLower === true);
  const groupFiles: ({ readonly group: string } & Awaited<ReturnType<typeof readGroupAtHead>>)[] = [];
  for (const group of groups) groupFiles.push({ group, ...(await readGroupAtHead(ctx, group)) });
  if (groupFiles.length > 0) await assertCommitted(ctx, groupFiles.map((g) => g.path), 'tagway commits group.yaml as it is at HEAD');

  const pending = releases.map(({ service, version }): VersionTag => ({ service, version, tag: tagNameOf(service, version), object: PENDING_OBJECT, commit: ctx.head, annotated: true }));
  const tagsAfter = [...ctx.tags, ...pending].sort((a, b) => (a.service !== b.service ? (a.service < b.service ? -1 : 1) : semver.compare(a.version, b.version)));
  /** Each group's file with every service pointed at its new tag (objects by service). */
  const plan = (objects: ReadonlyMap<string, string>) =>
    groupFiles.map(({ group, path, text, pointer }) => {
      let after = text;
      const moves = pending.map((tag) => {
        const before = pointerState(pointer, tag.service);
        const object = objects.get(tag.service)!;
        const pin = pinFor(before?.pin, { ...tag, object }, tagsAfter);
        after = editGroupPointer(after, { service: tag.service, pin, lock: { version: tag.version, object } });
        const from = before === null ? null : { pin: before.pin, version: resolvePin(ctx.tags, tag.service, before.pin)?.version ?? before.version };
        return { service: tag.service, from, to: { pin, version: tag.version } };
      });
      return { group, path, before: text, after, moves };
    });

  const pendingObjects = new Map(pending.map((t) => [t.service, PENDING_OBJECT]));
  const validation = await validateChange(ctx, {
    services: releases.map((r) => r.service),
    groups,
    edits: new Map(plan(pendingObjects).map((p) => [p.path, p.after])),
    extraTags: pending,
  });
  if (!validation.ok) return { ok: false, root: ctx.repo.dir, diagnostics: validation.diagnostics, sources: validation.sources };

  const messages = new Map<string, string>();
  for (const { service, version } of releases) {
    const previous = [...ctx.tags].reverse().find((t) => t.service === service && semver.lt(t.version, version)) ?? null;
    messages.set(
      service,
      options.message ?? versionTagMessage(service, version, templates.get(service)!, previous === null ? null : { version: previous.version, text: await templateAt(ctx, previous) }),
    );
  }
  const objects = new Map<string, string>();
  if (options.dryRun !== true) {
    for (const tag of pending) {
      try {
        objects.set(tag.service, await writeTagObject(ctx.repo, { name: tag.tag, commit: ctx.head, message: messages.get(tag.service)!, tagger: ctx.committer }, options.fs !== undefined ? { fs: options.fs } : {}));
      } catch (error) {
        throw asUserError(error);
      }
    }
  }
  const edits = plan(options.dryRun === true ? pendingObjects : objects);
  const what = releases.map((r) => `${r.service} ${r.version}`).join(', ');
  const made = await commitChange(
    ctx,
    {
      tags: pending.flatMap((t) => (objects.has(t.service) ? [{ name: t.tag, object: objects.get(t.service)! }] : [])),
      commits: edits.map((e) => ({ message: `publish ${what} to ${e.group}`, files: [e] })),
    },
    options,
  );
  const commits = options.dryRun === true ? made.map(showPending) : made;
  return {
    ok: true,
    root: ctx.repo.dir,
    dryRun: options.dryRun === true,
    tags: pending.map((t) => ({ name: t.tag, service: t.service, version: t.version, commit: ctx.head, object: objects.get(t.service) ?? null, message: messages.get(t.service)! })),
    groups: edits.flatMap((e, i) => e.moves.map((m) => ({ group: e.group, ...m, commit: commits[i]!.commit, message: commits[i]!.message }))),
    commits,
    diagnostics: validation.diagnostics,
    sources: validation.sources,
  };
}

/**
 * The releases named on the command line: `<service>@<version>` each, or a bare `<service>` that
 * takes `version` (`--version`), so `publish petstore --version 1.3.0` works as it always did.
 */
export function parseReleases(args: readonly string[], version: string | undefined): Release[] {
  return args.map((arg) => {
    const at = arg.indexOf('@');
    if (at > 0) return { service: arg.slice(0, at), version: arg.slice(at + 1) };
    if (version === undefined) {
      throw new UserError(`no version given for ${arg}`, `Give it with --version X.Y.Z, or as ${arg}@X.Y.Z (several services: petstore@1.3.0 orders@2.0.1).`);
    }
    return { service: arg, version };
  });
}

/** The releases asked for, sorted by service; names and versions checked, each service once. */
function releasesOf(options: PublishOptions): Release[] {
  const releases = 'releases' in options ? options.releases : [{ service: options.service, version: options.version }];
  if (releases.length === 0) throw new UserError('no service to publish', 'Name one: `tagway publish petstore --version 1.3.0`, or several: `tagway publish petstore@1.3.0 orders@2.0.1`.');
  for (const { service, version } of releases) checkNames(service, version);
  const sorted = [...releases].sort((a, b) => (a.service < b.service ? -1 : a.service > b.service ? 1 : 0));
  const twice = sorted.find((r, i) => i > 0 && sorted[i - 1]!.service === r.service);
  if (twice !== undefined) throw new UserError(`${twice.service} is named twice`, 'Each service is published once per command: one version each.');
  return sorted;
}

function tagNameOf(service: string, version: string): string {
  return `${service}/v${version}`;
}

/** Refuses a version that exists, or that is not above the newest (unless `allowLower`). */
async function assertNewVersion(ctx: WriteContext, { service, version }: Release, allowLower: boolean): Promise<void> {
  const tagName = tagNameOf(service, version);
  if ((await resolveRefName(ctx.repo, `refs/tags/${tagName}`)) !== null) {
    const next = nextVersion(ctx.tags, service);
    throw new UserError(`${tagName} already exists; versions are unique and immutable`, next ? `Publish the next version, e.g. --version ${next}.` : undefined);
  }
  const existing = ctx.tags.filter((t) => t.service === service);
  const newest = existing[existing.length - 1];
  if (newest !== undefined && !semver.gt(version, newest.version) && !allowLower) {
    throw new UserError(
      `${version} is not greater than ${service}'s newest version ${newest.version}`,
      `Publish a greater version (e.g. --version ${semver.inc(newest.version, 'patch')}), or pass --allow-lower to publish ${version} on purpose (a fix of an older line).`,
    );
  }
}

/** A dry run's commit as shown: the lock of a tag not written names it in words. */
function showPending(step: CommitStep): CommitStep {
  const shown = (text: string) => text.replaceAll(`"${PENDING_OBJECT}"`, PENDING_SHOWN).replaceAll(PENDING_OBJECT, PENDING_SHOWN);
  return { ...step, files: step.files.map((f) => ({ ...f, lines: f.lines.map((l) => ({ ...l, text: shown(l.text) })) })) };
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
    // In the worktree but not committed, or not there at all: a service that does not exist.
    const inWorktree = fs.existsSync(nodePath.join(ctx.repo.dir, path));
    throw new UserError(
      inWorktree ? `${path} is not committed at HEAD` : `there is no service ${service}: ${path} does not exist`,
      inWorktree
        ? `${guess === null ? '' : `${guess} Otherwise: `}Commit the template, then publish: a version is a commit's template.`
        : `${guess === null ? '' : `${guess} Otherwise: `}Create the template, commit it, then publish. A service's folder name equals its name.`,
    );
  }
  return new TextDecoder().decode(await readBlob(ctx.repo, entry.oid));
}

async function templateAt(ctx: WriteContext, tag: VersionTag): Promise<string> {
  const path = templatePath(tag.service);
  const entry = (await listTree(ctx.repo, tag.commit, [path])).find((e) => e.path === path);
  return entry === undefined ? '' : new TextDecoder().decode(await readBlob(ctx.repo, entry.oid));
}

/**
 * What kind of clone a repository is, as far as its own files tell: shallow (`git clone
 * --depth`, the default checkout of most CI systems), partial (`git clone --filter`, objects left
 * on a promisor remote) or made without tags. These are the clones in which an object or a tag the
 * configuration needs may be absent without the repository being damaged, and each is repaired by
 * another command: the hints here name it (docs/git-clones.md).
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseGitConfig } from './identity.js';
import type { GitRepo } from './repo.js';

export interface CloneState {
  /** `shallow` lists commits whose parents were not fetched (`git rev-parse --is-shallow-repository`). */
  readonly shallow: boolean;
  /**
   * The promisor remote of a partial clone (`remote.<name>.promisor`, or the older
   * `extensions.partialClone`) and its filter (`blob:none`); null for a clone that holds every
   * object it refers to.
   */
  readonly partial: { readonly remote: string; readonly filter: string | null } | null;
  /** A remote fetched with `--no-tags` (`remote.<name>.tagOpt`, set by `git clone --no-tags`); null otherwise. */
  readonly noTags: string | null;
  /** The remote the clone was made from (`origin` when there is one), for the commands in hints; null without remotes. */
  readonly remote: string | null;
}

/** Reads the clone's kind from `shallow` and `config` of its git directory (synchronously: it is read on error paths too). */
export function readCloneState(repo: Pick<GitRepo, 'gitdir'>): CloneState {
  const read = (name: string): string => {
    try {
      return fs.readFileSync(path.join(repo.gitdir, name), 'utf8');
    } catch {
      return '';
    }
  };
  const shallow = read('shallow').trim().length > 0;
  const entries = parseGitConfig(read('config'));
  const value = (key: string): string | null => {
    let found: string | null = null;
    for (const entry of entries) if (entry.key === key) found = entry.value ?? 'true';
    return found;
  };
  const remotes = [...new Set(entries.flatMap((e) => /^remote\.(.+)\.url$/.exec(e.key)?.[1] ?? []))];
  const remote = remotes.includes('origin') ? 'origin' : (remotes[0] ?? null);
  const promisor = remotes.find((r) => isTrue(value(`remote.${r}.promisor`))) ?? value('extensions.partialclone');
  const partial = promisor === null || promisor === '' ? null : { remote: promisor, filter: value(`remote.${promisor}.partialclonefilter`) };
  const noTags = remotes.find((r) => value(`remote.${r}.tagopt`) === '--no-tags') ?? null;
  return { shallow, partial, noTags, remote };
}

function isTrue(value: string | null): boolean {
  return value !== null && /^(true|yes|on|1)$/i.test(value);
}

/** The CI system a command runs in, when its checkout step has options worth naming. */
export type CiKind = 'github' | null;

export function ciKind(env: NodeJS.ProcessEnv = process.env): CiKind {
  return env['GITHUB_ACTIONS'] === 'true' ? 'github' : null;
}

const CHECKOUT_OPTIONS = 'in GitHub Actions, check out with `fetch-depth: 0` and `fetch-tags: true` (actions/checkout), as tagway\'s example workflows do';

/**
 * Why version tags may be missing from this clone although they exist on its remote, and the
 * command that fetches them; null when the clone should hold every tag (then a tag that is not
 * here does not exist).
 */
export function missingTagsReason(state: CloneState, ci: CiKind): { readonly reason: string; readonly hint: string } | null {
  const remote = state.remote ?? 'origin';
  if (state.shallow) {
    return {
      reason: 'this clone is shallow',
      hint: `Fetch the tags and the rest of the history: \`git fetch --tags --unshallow ${remote}\`${ci === 'github' ? `; ${CHECKOUT_OPTIONS}` : ''}.`,
    };
  }
  if (state.noTags !== null) {
    return {
      reason: `this clone was made without tags (\`remote.${state.noTags}.tagOpt = --no-tags\`)`,
      hint: `Fetch them: \`git fetch --tags ${state.noTags}\`${ci === 'github' ? `; ${CHECKOUT_OPTIONS}` : ''}.`,
    };
  }
  return null;
}

/** How to deepen a history cut by the edge of a shallow clone. */
export function shallowHistoryHint(state: CloneState, ci: CiKind): string {
  const remote = state.remote ?? 'origin';
  return `Fetch the rest of the history: \`git fetch --unshallow ${remote}\` (or \`git fetch --deepen=<n> ${remote}\` for n more commits)${ci === 'github' ? `; ${CHECKOUT_OPTIONS}` : ''}.`;
}

/** Why an object tagway needed was not fetched in a partial clone (see fetchMissingObjects). */
export type FetchFailure =
  | { readonly kind: 'no-cli' }
  | { readonly kind: 'disabled' }
  | { readonly kind: 'failed'; readonly message: string }
  | { readonly kind: 'not-on-remote' };

/** What to do about a missing object, for this kind of clone. */
export function missingObjectHint(state: CloneState, oid: string, fetch: FetchFailure | null, ci: CiKind): string {
  if (state.partial !== null) {
    const { remote, filter } = state.partial;
    const kind = `This is a partial clone (\`--filter=${filter ?? '…'}\`) whose missing objects git fetches from \`${remote}\` when they are needed`;
    const noFilter = ci === 'github' ? 'check out without `filter:` (actions/checkout)' : `clone without \`--filter\``;
    switch (fetch?.kind) {
      case 'no-cli':
        return `${kind}; tagway has git do that, but the git command line is not available (not installed, or TAGWAY_GIT_CLI=0). Fetch it with \`git cat-file -e ${oid}\`, or ${noFilter}.`;
      case 'disabled':
        return `${kind}, but GIT_NO_LAZY_FETCH turns that off. Fetch it with \`git cat-file -e ${oid}\` without GIT_NO_LAZY_FETCH, or ${noFilter}.`;
      case 'failed':
        return `${kind}; fetching it failed (${fetch.message}). Make sure \`${remote}\` can be reached and run the command again, or ${noFilter}.`;
      case 'not-on-remote':
        return `${kind}, and \`${remote}\` did not send it: it may no longer have it. Fetch it from a remote that has it, or ${noFilter}.`;
      default:
        return `${kind}; git could not fetch it. Make sure \`${remote}\` can be reached and run the command again, or ${noFilter}.`;
    }
  }
  if (state.shallow) {
    return `This clone is shallow: fetch the rest with \`git fetch --tags --unshallow ${state.remote ?? 'origin'}\`${ci === 'github' ? `; ${CHECKOUT_OPTIONS}` : ''}.`;
  }
  const refetch = state.remote === null ? 'clone the repository again' : `fetch every object again with \`git fetch --refetch ${state.remote}\``;
  return `The repository lacks an object it refers to, so it is damaged (\`git fsck\` lists what is missing): ${refetch}, or copy the object from another clone.`;
}

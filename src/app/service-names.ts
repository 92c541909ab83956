/**
 * What the version commands say when a service name names nothing: the closest name they know
 * (`publish user` when `users` exists), as unknown keys and groups are answered.
 */
import type { GitRepo } from '../git/repo.js';
import { listTree } from '../git/reader.js';
import { cmp } from '../model/diagnostic.js';
import { didYouMean } from '../core/did-you-mean.js';
import type { VersionTag } from '../model/version.js';

/** Services with a template committed at `commit` or a version tag, sorted. */
export async function knownServices(repo: GitRepo, commit: string, tags: readonly VersionTag[]): Promise<string[]> {
  const templates = (await listTree(repo, commit, ['services']))
    .map((e) => /^services\/([^/]+)\/service\.yaml$/.exec(e.path)?.[1])
    .filter((s): s is string => s !== undefined);
  return [...new Set([...templates, ...tags.map((t) => t.service)])].sort(cmp);
}

/**
 * `Did you mean \`users\`?` when a candidate is close to `service`, else null. `candidates` are
 * the names that would have been right here (the services of a group, or of the repository).
 */
export function closestService(service: string, candidates: Iterable<string>): string | null {
  const guess = didYouMean(service, [...candidates].filter((c) => c !== service));
  return guess === null ? null : `Did you mean \`${guess}\`?`;
}

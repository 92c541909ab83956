/**
 * `status --live` and `diff --live`: the drift check of every selected group's fleet. Read-only.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import { groupPath } from '../load/layout.js';
import { repoFileReader } from '../source/repo-file.js';
import { sourceText } from '../load/yaml-file.js';
import { cmp } from '../model/diagnostic.js';
import type { Env } from '../sync/credentials.js';
import { runDriftCheck } from './drift.js';
import type { DriftCheckOutcome } from './drift.js';
import { UserError } from '../core/errors.js';
import { openConfigRepo } from '../source/config-repo.js';

export interface LiveCheckOptions {
  readonly cwd: string;
  /** Groups to check; default every group whose group.yaml lists targets. */
  readonly groups?: readonly string[];
  /** Only these targets (names) of each group. */
  readonly targets?: readonly string[];
  readonly env: Env;
  readonly rev?: string;
}

export interface LiveSection {
  /** Every checked target is in sync and every group compiled. */
  readonly ok: boolean;
  readonly groups: readonly (DriftCheckOutcome & { readonly group: string })[];
}

export async function runLiveChecks(options: LiveCheckOptions): Promise<LiveSection> {
  const fleets = await groupTargets(options.cwd);
  const groups = options.groups ?? [...fleets].filter(([, targets]) => targets.length > 0).map(([g]) => g);
  // With several groups, `--target` names targets of any of them: each group checks the ones it has.
  if (options.targets && groups.length > 1) {
    const known = new Set(groups.flatMap((g) => fleets.get(g) ?? []));
    const unknown = options.targets.filter((t) => !known.has(t));
    if (unknown.length > 0) {
      throw new UserError(`no group of ${groups.join(', ')} has a target named ${unknown.join(', ')}`, `Targets: ${[...known].sort(cmp).join(', ') || '(none)'}.`);
    }
  }
  const results: (DriftCheckOutcome & { group: string })[] = [];
  for (const group of groups) {
    const targets = options.targets && groups.length > 1 ? options.targets.filter((t) => fleets.get(group)?.includes(t)) : options.targets;
    if (targets && targets.length === 0) continue;
    const outcome = await runDriftCheck({
      cwd: options.cwd,
      group,
      env: options.env,
      ...(targets ? { targets } : {}),
      ...(options.rev !== undefined ? { rev: options.rev } : {}),
    });
    results.push({ ...outcome, group });
  }
  return { ok: results.every((r) => r.ok), groups: results };
}

/** Target names of every worktree group.yaml (an unparsable one lists none: validate reports it). */
async function groupTargets(cwd: string): Promise<Map<string, string[]>> {
  const repo = await openConfigRepo(cwd);
  const names = (await fs.readdir(path.join(repo.dir, 'gateway-groups')).catch(() => [] as string[])).sort(cmp);
  const reader = repoFileReader(repo.dir);
  const out = new Map<string, string[]>();
  for (const name of names) {
    // Read as compile reads it: a link out of the repository or a FIFO is not read (validate reports it).
    const read = reader.read(groupPath(name));
    const text = read.ok ? sourceText({ path: groupPath(name), bytes: read.bytes }) : null;
    if (text === null) continue;
    let targets: unknown;
    try {
      // Its targets only: no duplicate-key check, which yaml makes in time quadratic in the pins.
      targets = (parse(text, { uniqueKeys: false }) as { targets?: unknown } | null)?.targets;
    } catch {
      targets = undefined;
    }
    const list = Array.isArray(targets) ? targets.map((t) => (t as { name?: unknown } | null)?.name).filter((n): n is string => typeof n === 'string') : [];
    out.set(name, list);
  }
  return out;
}

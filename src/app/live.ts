/**
 * `status --live` and `diff --live`: the drift check of every selected group's fleet. Read-only.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import { cmp } from '../model/diagnostic.js';
import type { Env } from '../sync/credentials.js';
import { runDriftCheck } from './drift.js';
import type { DriftCheckOutcome } from './drift.js';
import { openConfigRepo } from './repository.js';

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
  const groups = options.groups ?? (await groupsWithTargets(options.cwd));
  const results: (DriftCheckOutcome & { group: string })[] = [];
  for (const group of groups) {
    const outcome = await runDriftCheck({
      cwd: options.cwd,
      group,
      env: options.env,
      ...(options.targets ? { targets: options.targets } : {}),
      ...(options.rev !== undefined ? { rev: options.rev } : {}),
    });
    results.push({ ...outcome, group });
  }
  return { ok: results.every((r) => r.ok), groups: results };
}

/** Groups of the worktree whose group.yaml names at least one target (unparsable ones are left to validate). */
async function groupsWithTargets(cwd: string): Promise<string[]> {
  const repo = await openConfigRepo(cwd);
  const base = path.join(repo.dir, 'gateway-groups');
  const names = await fs.readdir(base).catch(() => [] as string[]);
  const out: string[] = [];
  for (const name of names) {
    const text = await fs.readFile(path.join(base, name, 'group.yaml'), 'utf8').catch(() => null);
    if (text === null) continue;
    try {
      const targets = (parse(text) as { targets?: unknown } | null)?.targets;
      if (Array.isArray(targets) && targets.length > 0) out.push(name);
    } catch {
      // A broken group.yaml is validate's to report.
    }
  }
  return out.sort(cmp);
}

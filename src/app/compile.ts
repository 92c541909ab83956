import path from 'node:path';
import type { Diagnostic } from '../model/diagnostic.js';
import { compareDiagnostics, hasErrors } from '../model/diagnostic.js';
import type { Snapshot } from '../model/snapshot.js';
import { snapshotCounts, snapshotJsonBytes, snapshotStandaloneBytes } from '../compile/snapshot.js';
import { writeFilesAtomically } from './atomic-write.js';
import { UserError } from './errors.js';
import { compileRepository, loadCompileInput } from './repository.js';
import { compile } from '../compile/compile.js';
import { draftFindings } from './validate-drafts.js';
import type { SourceOptions } from './repository.js';

export interface CompileCommandOptions extends SourceOptions {
  /** Output folder, relative to the repository root unless absolute. Default `dist`. */
  readonly outDir?: string;
}

export interface CompiledGroup {
  readonly group: string;
  readonly digest: string;
  readonly draft: boolean;
  readonly snapshotPath: string;
  readonly standalonePath: string;
  readonly services: number;
  readonly routes: number;
  /** False when the files already held exactly this content. */
  readonly changed: boolean;
}

export interface CompileOutcome {
  readonly ok: boolean;
  readonly root: string;
  readonly diagnostics: readonly Diagnostic[];
  readonly groups: readonly CompiledGroup[];
  readonly snapshots: readonly Snapshot[];
  /** File texts for code frames (see CompileResult.sources). */
  readonly sources: ReadonlyMap<string, string>;
}

/**
 * `tagway compile`: validate, compile and write `<out>/<group>/snapshot.json` and
 * `<out>/<group>/apisix.yaml` for every selected group. Writes nothing when any error is found;
 * otherwise all files are replaced atomically, together.
 */
export async function runCompile(options: CompileCommandOptions): Promise<CompileOutcome> {
  const { repo, result } = await compileRepository(options);
  if (hasErrors(result.diagnostics)) {
    return { ok: false, root: repo.dir, diagnostics: result.diagnostics, groups: [], snapshots: [], sources: result.sources };
  }
  const out = path.resolve(repo.dir, options.outDir ?? 'dist');
  const planned = result.snapshots.flatMap((s) => [
    { path: path.join(out, s.group, 'snapshot.json'), content: snapshotJsonBytes(s) },
    { path: path.join(out, s.group, 'apisix.yaml'), content: snapshotStandaloneBytes(s) },
  ]);
  let written: string[];
  try {
    written = await writeFilesAtomically(planned);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === undefined) throw error;
    throw new UserError(
      `cannot write the snapshots to ${out}: ${code} (${(error as Error).message})`,
      'Give --out a folder you can write to (it is created when missing); nothing was written.',
      { cause: error },
    );
  }
  const replaced = new Set(written);
  const groups = result.snapshots.map((s) => {
    const snapshotPath = path.join(out, s.group, 'snapshot.json');
    const standalonePath = path.join(out, s.group, 'apisix.yaml');
    return {
      group: s.group,
      digest: s.digest,
      draft: s.draft,
      snapshotPath,
      standalonePath,
      services: snapshotCounts(s).services,
      routes: snapshotCounts(s).routes,
      changed: replaced.has(snapshotPath) || replaced.has(standalonePath),
    };
  });
  return { ok: true, root: repo.dir, diagnostics: result.diagnostics, groups, snapshots: result.snapshots, sources: result.sources };
}

/** `tagway validate`: everything compile checks, nothing written. */
export async function runValidate(
  options: SourceOptions,
): Promise<{ ok: boolean; root: string; diagnostics: readonly Diagnostic[]; sources: ReadonlyMap<string, string> }> {
  const { repo, input, cache } = await loadCompileInput({ ...options, reportAll: true, snapshots: false });
  const result = compile({ ...input, files: false });
  cache?.save();
  if (options.draft || hasErrors(result.diagnostics)) {
    return { ok: !hasErrors(result.diagnostics), root: repo.dir, diagnostics: result.diagnostics, sources: result.sources };
  }
  // The worktree's edited templates are the next versions: what APISIX would reject in them
  // (TW4001) is found now, on the pull request, not when they are published.
  const drafted = draftFindings(input);
  const seen = new Set(result.diagnostics.map(diagnosticKey));
  const extra = drafted.diagnostics.filter((d) => !seen.has(diagnosticKey(d)));
  const diagnostics = [...result.diagnostics, ...extra].sort(compareDiagnostics);
  const sources = new Map([...result.sources, ...drafted.sources]);
  return { ok: !hasErrors(diagnostics), root: repo.dir, diagnostics, sources };
}

function diagnosticKey(d: Diagnostic): string {
  return `${d.code}|${d.file ?? ''}|${d.revision ?? ''}|${d.line ?? 0}|${d.column ?? 0}|${d.message}`;
}

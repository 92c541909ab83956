/**
 * The incremental build as the use cases (src/app) call it: a repository compiled through the
 * compile cache (input.ts loads the input and prepares what the cache lacks, see prefetch.ts)
 * and, for the files `tagway compile` writes, spliced from the previous compile when its result
 * record allows (splice.ts). The use case decides what to compile (its `Selection`, a revision, a
 * draft) and what to do with the result; compile (src/compile) is the pure pipeline in between,
 * which the build reaches through the memo only.
 */
import path from 'node:path';
import { compile } from '../compile/compile.js';
import type { CompileInput, CompileResult } from '../compile/compile.js';
import type { GitRepo } from '../git/repo.js';
import { EVERY_GROUP } from '../model/selection.js';
import type { CompileCache } from './compile-cache.js';
import { cacheWanted, loadCompileInput, loadValidators, startListing } from './input.js';
import type { SourceOptions } from './input.js';
import { prepareResultRecord, readResultRecord, recordInputsOf, stateOf } from './result-record.js';
import type { WrittenFiles } from './result-record.js';
import { spliceCompile } from './splice.js';

/** A loaded input (see `loadCompileInput`). */
export interface LoadedInput {
  readonly repo: GitRepo;
  readonly input: CompileInput;
  readonly cache: CompileCache | null;
}

/**
 * Compiles a loaded input, changed by `change` (other groups, no files to write), and saves the
 * cache after: what compile added to it is kept for the next run.
 */
export function compileLoaded(loaded: LoadedInput, change: Partial<Pick<CompileInput, 'selection' | 'files' | 'outputs'>> = {}): CompileResult {
  const result = compile({ ...loaded.input, ...change });
  loaded.cache?.save();
  return result;
}

/**
 * Loads and compiles; the result is what `validate` reports, `sync` deploys and `compile` writes
 * (`files`: whether the snapshots' files will be written, see `CompileInput.files`). The input
 * comes back too, for what the caller reads of it.
 */
export async function compileRepository(options: SourceOptions, files = true): Promise<LoadedInput & { readonly result: CompileResult }> {
  const loaded = await loadCompileInput(options);
  return { ...loaded, result: compileLoaded(loaded, files ? {} : { files: false }) };
}

/** A compile for the files `tagway compile` writes. */
export interface CompiledForFiles {
  readonly repo: GitRepo;
  /** The folder the files go to (absolute). */
  readonly out: string;
  readonly result: CompileResult;
  /**
   * Null when the repository was compiled whole; otherwise the services compiled anew (sorted)
   * and spliced into the snapshots of the previous compile. The output is the same either way.
   */
  readonly incremental: readonly string[] | null;
  /** What the files held before, by path, when known. */
  readonly previous: ReadonlyMap<string, Uint8Array>;
  /**
   * Prepares the record of the result for the next compile (src/incremental/result-record.ts), kept
   * once the files are written (a compile with findings keeps none).
   */
  record(written: WrittenFiles): ReturnType<typeof prepareResultRecord>;
}

/**
 * The compile whose snapshots go to `outDir` (relative to the repository root unless absolute):
 * spliced from the previous one when its result record allows, whole otherwise.
 */
export async function compileForFiles(options: SourceOptions, outDir: string): Promise<CompiledForFiles> {
  const selection = options.selection ?? EVERY_GROUP;
  // Parsed only if needed: a compile spliced from the previous one reads git's listing raw.
  const started = await startListing(options, { eager: false, raw: true });
  const { repo } = started;
  const out = path.resolve(repo.dir, outDir);
  const found = cacheWanted(options) && !options.draft && !options.rev ? readResultRecord(repo.dir, selection, out) : null;
  if (found) loadValidators();
  const raw = found ? await started.raw : null;
  if (found && raw) {
    // Anything unexpected on the way (a git error, a file changing under it) means a whole compile,
    // which meets and reports it as a compile does.
    const spliced = await spliceCompile(repo, found, raw, selection, options.now).catch(() => null);
    if (spliced) {
      const { result, changed, previous, inputs, layouts } = spliced;
      return { repo, out, result, incremental: changed, previous, record: (written) => prepareResultRecord(repo.dir, inputs, result, written, out, layouts) };
    }
  }
  const loaded = await loadCompileInput(options, {}, started);
  const { input, cache } = loaded;
  const result = compileLoaded(loaded, { outputs: cache !== null });
  if (!cache) return { repo, out, result, incremental: null, previous: new Map(), record: () => ({ commit: async () => {}, discard: () => {} }) };
  const rawNow = started.followsRaw() ? await started.raw : null;
  const inputs = recordInputsOf(input, cache, rawNow ? stateOf(rawNow, input.tree) : null);
  return { repo, out, result, incremental: null, previous: new Map(), record: (written) => prepareResultRecord(repo.dir, inputs, result, written, out) };
}

import fs from 'node:fs/promises';
import path from 'node:path';
import type { Diagnostic } from '../model/diagnostic.js';
import { compareDiagnostics, hasErrors } from '../model/diagnostic.js';
import type { Snapshot } from '../model/snapshot.js';
import { snapshotCounts, snapshotFileChunks } from '../compile/snapshot.js';
import { writeFilesAtomicallyNoting, type PlannedFile } from '../core/atomic-write.js';
import { UserError } from '../core/errors.js';
import { compileForFiles, compileRepository } from '../incremental/build.js';
import { draftFindings } from './validate-drafts.js';
import type { SourceOptions } from '../incremental/input.js';
import { prepareSigner, signaturePath } from './signing.js';
import { renderSignatureFile, signSnapshot } from '../sign/signature.js';
import type { Env } from '../sync/credentials.js';
import { selectionOf } from '../model/selection.js';

/** What a command asks of a compile: where to read, and which groups (`--group`). */
export interface CompileRunOptions extends Omit<SourceOptions, 'selection'> {
  /** Only these groups (default: every group). */
  readonly groups?: readonly string[];
}

export interface CompileCommandOptions extends CompileRunOptions {
  /** Output folder, relative to the repository root unless absolute. Default `dist`. */
  readonly outDir?: string;
  /**
   * Sign each snapshot (docs/signing.md): `key` is a reference to the ed25519 private key,
   * `env:NAME` or `file:PATH` (resolved against `cwd`); `signedAt` the time to record (see
   * `signingTime`; default `SOURCE_DATE_EPOCH` from `env`, else none).
   */
  readonly sign?: { readonly key: string; readonly signedAt?: string };
  /** Where `env:NAME` references and `SOURCE_DATE_EPOCH` are looked up; the CLI passes `process.env`. */
  readonly env?: Env;
}

/** A snapshot's signature file as written. */
export interface WrittenSignature {
  readonly path: string;
  readonly keyId: string;
  readonly signedAt: string | null;
}

export interface CompiledGroup {
  readonly group: string;
  readonly digest: string;
  readonly draft: boolean;
  readonly snapshotPath: string;
  readonly standalonePath: string;
  /** `snapshot.json.sig`, when signed. */
  readonly signature: WrittenSignature | null;
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
  /**
   * How the snapshots were made: null when the repository was compiled whole; otherwise the
   * services compiled anew (sorted) and spliced into the snapshots of the previous compile
   * (src/incremental/splice.ts). The output is the same either way.
   */
  readonly incremental: readonly string[] | null;
}

/**
 * `tagway compile`: validate, compile and write `<out>/<group>/snapshot.json` and
 * `<out>/<group>/apisix.yaml` for every selected group, and with `sign` the signature
 * `<out>/<group>/snapshot.json.sig` (without it, a signature left by an earlier compile is
 * removed). Writes nothing when any error is found; otherwise all files are replaced atomically,
 * together. The signing key is read before anything else, so a bad reference costs no compile.
 */
export async function runCompile(options: CompileCommandOptions): Promise<CompileOutcome> {
  const signer = options.sign === undefined ? null : await prepareSigner(options.sign, { cwd: options.cwd, env: options.env ?? {} });
  // The groups are decided here, once: every later stage reads this selection.
  const selection = selectionOf(options);
  const compiled = await compileForFiles({ now: Date.now(), ...options, selection }, options.outDir ?? 'dist');
  const { repo, out, result } = compiled;
  if (hasErrors(result.diagnostics)) {
    compiled.record(new Map()).discard();
    return { ok: false, root: repo.dir, diagnostics: result.diagnostics, groups: [], snapshots: [], sources: result.sources, incremental: null };
  }
  const contents = new Map(
    result.snapshots.map((s) => {
      const chunks = snapshotFileChunks(result.files?.get(s.group) ?? s);
      return [
        s.group,
        {
          json: { path: path.join(out, s.group, 'snapshot.json'), chunks: chunks.json },
          yaml: { path: path.join(out, s.group, 'apisix.yaml'), chunks: chunks.standalone },
        },
      ];
    }),
  );
  const planned: PlannedFile[] = [...contents.values()].flatMap((c) =>
    [c.json, c.yaml].map((f) => {
      const previous = compiled.previous.get(f.path);
      return { path: f.path, content: f.chunks, ...(previous ? { previous } : {}) };
    }),
  );
  // Each signature is renamed into place after its snapshot: a reader in between sees a
  // signature that does not match and refuses, never a match of old and new.
  const signatures = new Map<string, WrittenSignature>();
  if (signer !== null) {
    for (const s of result.snapshots) {
      const file = signSnapshot(s, signer.key, signer.signedAt);
      const sigPath = signaturePath(contents.get(s.group)!.json.path);
      planned.push({ path: sigPath, content: renderSignatureFile(file) });
      signatures.set(s.group, { path: sigPath, keyId: file.key_id, signedAt: signer.signedAt });
    }
  }
  const recording = compiled.record(contents);
  let written: string[];
  let identities: ReadonlyMap<string, string>;
  try {
    const outcome = await writeFilesAtomicallyNoting(planned);
    written = outcome.replaced;
    identities = outcome.identities;
    if (signer === null) written.push(...(await removeSignatures([...contents.values()].map((c) => signaturePath(c.json.path)))));
  } catch (error) {
    recording.discard();
    const code = (error as NodeJS.ErrnoException).code;
    if (code === undefined) throw error;
    throw new UserError(
      `cannot write the snapshots to ${out}: ${code} (${(error as Error).message})`,
      'Give --out a folder you can write to (it is created when missing); nothing was written.',
      { cause: error },
    );
  }
  await recording.commit(identities);
  const replaced = new Set(written);
  const counts = (s: Snapshot) => snapshotCounts(result.files?.get(s.group) ?? s);
  const groups = result.snapshots.map((s) => {
    const snapshotPath = path.join(out, s.group, 'snapshot.json');
    const standalonePath = path.join(out, s.group, 'apisix.yaml');
    return {
      group: s.group,
      digest: s.digest,
      draft: s.draft,
      snapshotPath,
      standalonePath,
      signature: signatures.get(s.group) ?? null,
      services: counts(s).services,
      routes: counts(s).routes,
      changed: replaced.has(snapshotPath) || replaced.has(standalonePath) || replaced.has(signaturePath(snapshotPath)),
    };
  });
  return { ok: true, root: repo.dir, diagnostics: result.diagnostics, groups, snapshots: result.snapshots, sources: result.sources, incremental: compiled.incremental };
}

/**
 * Removes signatures an earlier compile with --sign left beside snapshots now written unsigned:
 * they vouch for a snapshot that is no longer there (or, if it is the same, for what was not
 * asked for now). Returns the paths removed.
 */
async function removeSignatures(paths: readonly string[]): Promise<string[]> {
  const removed = await Promise.all(
    paths.map((p) =>
      fs.unlink(p).then(
        () => p,
        (error: NodeJS.ErrnoException) => {
          if (error.code === 'ENOENT') return null;
          throw error;
        },
      ),
    ),
  );
  return removed.filter((p) => p !== null);
}

/** `tagway validate`: everything compile checks, nothing written. */
export async function runValidate(
  options: CompileRunOptions,
): Promise<{ ok: boolean; root: string; diagnostics: readonly Diagnostic[]; sources: ReadonlyMap<string, string> }> {
  const { repo, input, result } = await compileRepository({ now: Date.now(), ...options, selection: selectionOf({ groups: options.groups, reportAll: true }), snapshots: false }, false);
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

/**
 * tagway as a library. The pure core (`compile`, `validate`, `validateApisixObject`) takes data
 * and returns data; the `run*` functions read a repository from disk as the commands do.
 */
import { compile } from './compile/compile.js';
import type { CompileInput } from './compile/compile.js';
import type { Diagnostic } from './model/diagnostic.js';
import { selectionOf } from './model/selection.js';

export { compile, templatesNeeded } from './compile/compile.js';
export { MemoryMemo } from './compile/memo.js';
export type { CompileMemo, MemoRecords } from './compile/memo.js';
export type { CompileInput, CompileResult } from './compile/compile.js';
export { renderSnapshotJson, renderSnapshotStandalone, configDigest } from './compile/snapshot.js';
export { canonicalJson, sha256Digest } from './core/canonical.js';
export { validateApisixObject, BUNDLED_PLUGINS, CHECKED_PLUGINS, CODE_CHECKED_PLUGINS } from './apisix/validator/index.js';
export type { ApisixObjectKind, ApisixAdminPath, ApisixValidation, ApisixObjectError, ApisixValidateOptions } from './apisix/validator/index.js';
export { RULES } from './validate/rules/index.js';
export { loadCompileInput } from './incremental/input.js';
export { compileRepository } from './incremental/build.js';
export { runCompile, runValidate } from './app/compile.js';
export { runSync } from './app/sync.js';
export { runStatus } from './app/status.js';
export type { SyncOptions, SyncOutcome } from './app/sync.js';
export { runDriftCheck } from './app/drift.js';
export type { DriftCheckOptions, DriftCheckOutcome } from './app/drift.js';
export { runAgent } from './app/agent.js';
export type { AgentRunOptions, AgentRunResult } from './app/agent.js';
export { Agent } from './agent/agent.js';
export type { AgentOptions, ReconcileReport, GroupOutcome, TargetOutcome } from './agent/agent.js';
export { runImport } from './app/import.js';
export type { ImportOptions, ImportOutcome } from './app/import.js';
export { runDiff } from './app/diff.js';
export type { DiffCommandOptions, DiffOutcome } from './app/diff.js';
export * from './diff/index.js';
export { runExport, EXPORT_FORMATS } from './app/export.js';
export type { ExportFormat, ExportOptions, ExportOutcome } from './app/export.js';
export { readAdc } from './apisix/adc/from-adc.js';
export { renderAdcYaml, toAdc } from './apisix/adc/to-adc.js';
export type { AdcDocument, AdcExport } from './apisix/adc/to-adc.js';
export type * from './model/gateway-source.js';
export { syncGroup, checkDrift, planSync } from './sync/index.js';
export { UserError } from './core/errors.js';
export { readWorktree } from './source/worktree.js';
export type { InputFile, SourceFile, SourceTree } from './load/source-file.js';
export type { VersionTag } from './model/version.js';
export { selectionOf, EVERY_GROUP } from './model/selection.js';
export type { Selection } from './model/selection.js';
export type * from './model/apisix.js';
export type * from './model/config.js';
export type * from './model/diagnostic.js';
export type * from './model/snapshot.js';
export type * from './model/target.js';

/** All findings for a repository's files, without producing snapshots' output files. Pure. */
export function validate(input: CompileInput): readonly Diagnostic[] {
  return compile({ ...input, selection: selectionOf({ groups: input.selection?.groups ?? undefined, reportAll: true }) }).diagnostics;
}

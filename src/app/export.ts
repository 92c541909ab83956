/**
 * `tagway export`: a group's compiled configuration in a format another tool reads, so that
 * nothing a repository holds is locked in: ADC's file (`adc sync -f`) or APISIX's standalone
 * `apisix.yaml`. The group is compiled exactly as `compile --group` compiles it
 * (`loadGroupSnapshot`); references are written as they are, never resolved (docs/export.md).
 */
import path from 'node:path';
import { renderAdcYaml, toAdc } from '../apisix/adc/to-adc.js';
import { renderStandaloneYaml } from '../apisix/standalone-yaml.js';
import { writeFilesAtomically } from '../core/atomic-write.js';
import type { Diagnostic } from '../model/diagnostic.js';
import type { Unexpressed } from '../model/gateway-source.js';
import { loadGroupSnapshot } from './group-snapshot.js';

export const EXPORT_FORMATS = ['adc', 'standalone'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ExportOptions {
  /** Any folder inside the config repository; a relative `out` is resolved against it. */
  readonly cwd: string;
  readonly group: string;
  readonly format: ExportFormat;
  /** Compile the group's files at this revision instead of the worktree. */
  readonly rev?: string;
  /** Write the text to this file (atomically) instead of returning it for stdout. */
  readonly out?: string;
}

export type ExportOutcome =
  | {
      readonly ok: false;
      readonly root: string;
      readonly diagnostics: readonly Diagnostic[];
      readonly sources: ReadonlyMap<string, string>;
    }
  | {
      readonly ok: true;
      readonly root: string;
      readonly group: string;
      readonly format: ExportFormat;
      /** The snapshot's digest: which configuration this is. */
      readonly digest: string;
      readonly text: string;
      /** The file written (absolute), or null when the text is for stdout. */
      readonly file: string | null;
      /** What the format has no place for, left out (ADC only; the standalone file holds everything). */
      readonly lost: readonly Unexpressed[];
      /** Warnings of the compile. */
      readonly diagnostics: readonly Diagnostic[];
      readonly sources: ReadonlyMap<string, string>;
    };

/** Compiles the group and renders it; findings of the compile come back instead of a text. */
export async function runExport(options: ExportOptions): Promise<ExportOutcome> {
  const loaded = await loadGroupSnapshot({ cwd: options.cwd, group: options.group, ...(options.rev !== undefined ? { rev: options.rev } : {}) });
  if (loaded.kind === 'findings') return { ok: false, root: loaded.root, diagnostics: loaded.diagnostics, sources: loaded.sources };
  const { snapshot } = loaded;
  let text: string;
  let lost: readonly Unexpressed[] = [];
  if (options.format === 'adc') {
    const exported = toAdc(snapshot.apisix);
    text = renderAdcYaml(exported.document);
    lost = exported.lost;
  } else {
    text = renderStandaloneYaml(snapshot.apisix);
  }
  const file = options.out === undefined ? null : path.resolve(options.cwd, options.out);
  if (file !== null) await writeFilesAtomically([{ path: file, content: text }]);
  return {
    ok: true,
    root: loaded.root,
    group: snapshot.group,
    format: options.format,
    digest: snapshot.digest,
    text,
    file,
    lost,
    diagnostics: loaded.diagnostics,
    sources: loaded.sources,
  };
}

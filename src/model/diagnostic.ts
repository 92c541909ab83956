/**
 * The one diagnostic type of tagway. Plain data: every phase (load, validate, resolve, merge,
 * emit) reports problems as Diagnostics, and the renderers turn them into code frames, JSON or
 * GitHub workflow commands. Codes are stable (tests assert code + position, never wording).
 */
export type Severity = 'error' | 'warning';

/** A place in a file of the config repository. Lines and columns are 1-based. */
export interface SourceLocation {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly endLine?: number;
  readonly endColumn?: number;
  /** JSON pointer of the node inside the file's document, e.g. `/routes/0/uris/1`. */
  readonly pointer?: string;
  /** Where the file was read when not from the worktree: a tag (`petstore/v1.2.0`) or a commit. */
  readonly revision?: string;
}

/** A stretch of a file's text: 1-based lines and columns, the end exclusive. */
export interface TextSpan {
  readonly line: number;
  readonly column: number;
  readonly endLine: number;
  readonly endColumn: number;
}

export interface RelatedLocation extends SourceLocation {
  readonly message: string;
}

export interface Diagnostic {
  /** Stable code, `TW` + four digits; see docs/diagnostics.md. */
  readonly code: string;
  readonly severity: Severity;
  readonly message: string;
  /** Repository-relative path with forward slashes; absent only for repo-wide problems. */
  readonly file?: string;
  readonly line?: number;
  readonly column?: number;
  readonly endLine?: number;
  readonly endColumn?: number;
  readonly pointer?: string;
  /** Where the file was read when not from the worktree: a tag (`petstore/v1.2.0`) or a commit. */
  readonly revision?: string;
  /** How to fix it. */
  readonly hint?: string;
  /** Other places the finding involves (the other side of a conflict or a duplicate). */
  readonly related: readonly RelatedLocation[];
  /**
   * Where in `file` the secret values this finding concerns are (a literal `admin_key`): every
   * renderer that shows the file's text masks these spans, whichever finding it draws a frame
   * for. The message never holds such a value. Absent when the finding concerns none.
   */
  readonly secrets?: readonly TextSpan[];
}

/**
 * The key of a file's text in a map of sources (CompileResult.sources): its path and the revision
 * it was read at (none: the worktree), as a diagnostic names them.
 */
export function sourceKey(path: string, revision: string | undefined): string {
  return `${path}@${revision ?? ''}`;
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

/** Total order used everywhere diagnostics are listed: file, line, column, code, message. */
export function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  return (
    cmp(a.file ?? '', b.file ?? '') ||
    (a.line ?? 0) - (b.line ?? 0) ||
    (a.column ?? 0) - (b.column ?? 0) ||
    cmp(a.code, b.code) ||
    cmp(a.message, b.message)
  );
}

/** Code-point string comparison (never locale-dependent). */
export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

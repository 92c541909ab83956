/**
 * The references a secret field of a consumer's plugin may hold instead of the secret
 * (docs/secrets.md): APISIX's own `$env://NAME` and `$secret://…`, which the gateway resolves, and
 * tagway's `env:NAME` and `file:PATH`, which `tagway sync` resolves just before planning. Pure.
 */

/** A reference tagway resolves at sync time. */
export type SyncReference = { readonly kind: 'env'; readonly name: string } | { readonly kind: 'file'; readonly path: string };

const ENV = /^env:([A-Za-z_][A-Za-z0-9_]*)$/;
const FILE = /^file:(.+)$/;

/** A reference the gateway resolves (`$env://`, `$secret://`): passed through as it is. */
export function isGatewayReference(value: string): boolean {
  return value.startsWith('$env://') || value.startsWith('$secret://');
}

/** The tagway reference `value` is, or null when it is none (a literal, or a gateway reference). */
export function syncReferenceOf(value: string): SyncReference | null {
  const env = ENV.exec(value);
  if (env) return { kind: 'env', name: env[1]! };
  const file = FILE.exec(value);
  if (file) return { kind: 'file', path: file[1]! };
  return null;
}

/**
 * Whether a repository-relative path stays inside the repository: relative, no `..`, `.` or
 * empty segment, no backslash (so it means the same on every system).
 */
export function isRepositoryPath(path: string): boolean {
  if (path.startsWith('/') || path.includes('\\') || /^[A-Za-z]:/.test(path)) return false;
  return path.split('/').every((s) => s !== '' && s !== '.' && s !== '..');
}

/**
 * Why a secret field's value is not acceptable in git, or null when it is a reference (the value
 * itself is never part of the answer).
 */
export function secretReferenceProblem(value: unknown): string | null {
  if (typeof value !== 'string') return 'holds a literal value, not a reference';
  if (isGatewayReference(value)) return null;
  const ref = syncReferenceOf(value);
  if (ref === null) return value.startsWith('env:') ? 'is not a valid env:NAME reference' : 'holds a literal secret, not a reference';
  if (ref.kind === 'file' && !isRepositoryPath(ref.path)) return 'names a file outside the repository (file: takes a path relative to the repository root)';
  return null;
}

/**
 * The tagway references in a snapshot's secret fields (`env:NAME`, `file:PATH`; docs/secrets.md),
 * resolved in memory just before a sync plans: the snapshot on disk and every report keep the
 * reference, the gateway gets the value. The Admin API returns the values it holds on a read, so
 * planning against resolved values writes nothing when nothing changed and exactly the objects
 * whose value was rotated.
 *
 * Resolved values are never printed: a missing variable or file is a `credentials` error that
 * names the reference and the object, never a value, and every value resolved is handed to the
 * caller's scrubber for gateway texts. A kind's other fields given by reference (an SSL's
 * certificates, `referencePaths`) are resolved the same way, and an object whose values its kind
 * finds unusable (`checkResolved`: an SSL key that is not its certificate's) stops the run the
 * same way, before anything is written.
 */
import fs from 'node:fs';
import path from 'node:path';
import { scryptSync } from 'node:crypto';
import { canonicalJson } from '../core/canonical.js';
import { fieldValue, secretFieldName, setFieldValue } from '../apisix/consumer-secrets.js';
import { configOf } from '../apisix/kinds/index.js';
import type { ResolvedProblem } from '../apisix/kinds/descriptor.js';
import type { ApisixObject } from '../model/apisix.js';
import { isRepositoryPath, syncReferenceOf, type SyncReference } from '../secrets/references.js';
import type { Env } from './credentials.js';
import { SyncError } from './errors.js';
import type { SyncSnapshot } from './report.js';

/** Largest secret file read (a private key fits many times). */
const MAX_SECRET_FILE_BYTES = 64 * 1024;

export interface ResolvedSnapshot<S extends SyncSnapshot = SyncSnapshot> {
  /**
   * The snapshot with each reference replaced by its value. When any reference was resolved, its
   * digest covers the values too (so a standalone gateway, which skips a configuration whose
   * digest it already holds, takes a rotated value); otherwise it is the snapshot itself.
   */
  readonly snapshot: S;
  /** The values resolved, for scrubbing gateway texts; never to be printed. */
  readonly values: readonly string[];
}

/**
 * Resolves every tagway reference in the secret fields of the snapshot's objects (each kind's
 * `secretPaths`: a consumer's credentials, an SSL's keys, …, and its `referencePaths`): `env:NAME`
 * from `env`, `file:PATH` from the file at PATH below `root` (the repository's root; a path that
 * leaves it, through `..` or a symbolic link, is refused). Throws a `credentials` SyncError
 * before anything is written when one cannot be resolved.
 */
export function resolveSecretReferences<S extends SyncSnapshot>(snapshot: S, options: { readonly env: Env; readonly root: string }): ResolvedSnapshot<S> {
  const values: string[] = [];
  let changed = false;
  const config = configOf((kind) => {
    const objects = snapshot.apisix[kind.name];
    const { secretPaths, referencePaths, checkResolved } = kind;
    if (secretPaths === undefined && referencePaths === undefined) return objects;
    return objects.map((obj): ApisixObject => {
      const paths = [...(secretPaths?.(obj) ?? []), ...(referencePaths?.(obj) ?? [])];
      const resolved = resolveObject(obj, paths, (ref, field) => resolveOne(ref, `${kind.singular} ${obj.id} ${field}`, options));
      if (resolved === null) return obj;
      const problem = checkResolved?.(resolved.object)[0];
      if (problem !== undefined) throw unusable(`${kind.singular} ${obj.id}`, obj, problem);
      changed = true;
      values.push(...resolved.values);
      return resolved.object;
    });
  });
  if (!changed) return { snapshot, values: [] };
  // The rest of the snapshot (its provenance) as it is; the digest also covers the values.
  return { snapshot: { ...snapshot, apisix: config, digest: valuesDigest(snapshot.digest, values) }, values };
}

/**
 * The digest of a snapshot with its references resolved: derived from the snapshot's digest and
 * the values by scrypt, a slow and memory-hard function. It is printed and stored on standalone
 * gateways, and the snapshot (so every other input) is in git: a plain hash would let whoever reads
 * it test guesses of a short password at the speed of SHA-256. Deterministic, so a second sync of
 * the same values writes nothing; ≈0.1 s a run.
 */
export function valuesDigest(digest: string, values: readonly string[]): string {
  const key = scryptSync(canonicalJson(values), digest, 32, { N: 1 << 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 });
  return `sha256:${key.toString('hex')}`;
}

type Resolve = (ref: SyncReference, field: string) => string;

/** The object with the references at its secret fields' `paths` resolved, and the values; null when it holds none. */
function resolveObject(obj: ApisixObject, paths: readonly (readonly string[])[], resolve: Resolve): { object: ApisixObject; values: string[] } | null {
  const values: string[] = [];
  let copy: ApisixObject | null = null;
  for (const field of paths) {
    const value = fieldValue(obj, field);
    const ref = typeof value === 'string' ? syncReferenceOf(value) : null;
    if (ref === null) continue;
    const resolved = resolve(ref, secretFieldName(field));
    values.push(resolved);
    copy ??= structuredClone(obj);
    setFieldValue(copy, field, resolved);
  }
  return copy === null ? null : { object: copy, values };
}

function resolveOne(ref: SyncReference, where: string, options: { readonly env: Env; readonly root: string }): string {
  if (ref.kind === 'env') {
    const value = options.env[ref.name];
    if (value === undefined || value === '') {
      throw new SyncError({
        code: 'credentials',
        message: `${where}: environment variable ${ref.name} (from env:${ref.name}) is ${value === undefined ? 'not set' : 'empty'}`,
        hint: `export ${ref.name} and run the command again; nothing was written`,
      });
    }
    return value;
  }
  const fail = (why: string) =>
    new SyncError({
      code: 'credentials',
      message: `${where}: file:${ref.path} ${why}`,
      hint: 'put the secret in a file inside the repository (kept out of git, e.g. by .gitignore) and name its path relative to the root; nothing was written',
    });
  if (!isRepositoryPath(ref.path)) throw fail('is not a path inside the repository');
  let real: string;
  let rootReal: string;
  try {
    rootReal = fs.realpathSync(options.root);
    real = fs.realpathSync(path.join(options.root, ref.path));
  } catch {
    throw fail('cannot be read (missing, or a broken link)');
  }
  if (!real.startsWith(rootReal + path.sep)) throw fail('leads out of the repository');
  let bytes: Buffer;
  try {
    const st = fs.statSync(real);
    if (!st.isFile()) throw fail('is not a regular file');
    if (st.size > MAX_SECRET_FILE_BYTES) throw fail(`is larger than ${MAX_SECRET_FILE_BYTES} bytes`);
    bytes = fs.readFileSync(real);
  } catch (err) {
    if (err instanceof SyncError) throw err;
    throw fail('cannot be read');
  }
  // One line break at the end is the file's, not the secret's.
  const value = bytes.toString('utf8').replace(/\r?\n$/, '');
  if (value === '') throw fail('is empty');
  return value;
}

/**
 * An object whose resolved values the gateway could not use (an SSL key that is not its
 * certificate's): names the object, the field and the reference it came from, never a value.
 */
function unusable(what: string, obj: ApisixObject, problem: ResolvedProblem): SyncError {
  const written = fieldValue(obj, problem.field);
  const from = typeof written === 'string' && syncReferenceOf(written) !== null ? ` (from ${written})` : '';
  return new SyncError({
    code: 'credentials',
    message: `${what} ${secretFieldName(problem.field)}${from} ${problem.problem}`,
    hint: 'put the matching certificate and key where the references point; nothing was written',
  });
}

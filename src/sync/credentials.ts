import type { TargetSpec } from '../model/target.js';
import { SecretScrubber } from '../core/scrub.js';
import { SyncError } from './errors.js';

/** Environment as a plain record; the caller passes `process.env` (the core never reads it). */
export type Env = Readonly<Record<string, string | undefined>>;

const ENV_REF = /^env:([A-Za-z_][A-Za-z0-9_]*)$/;

/**
 * A credential resolved from a reference. `ref` (e.g. `env:APISIX_EU1_KEY`) is safe to print;
 * `value` is not, and is kept out of enumeration and JSON so a report or log that carries this
 * object by mistake still does not carry the key.
 */
export interface Credential {
  readonly ref: string;
  readonly value: string;
}

function makeCredential(ref: string, value: string): Credential {
  const credential = { ref } as { ref: string; value: string };
  Object.defineProperty(credential, 'value', { value, enumerable: false });
  Object.defineProperty(credential, 'toJSON', { value: () => ({ ref }), enumerable: false });
  return credential;
}

/**
 * Resolves one `env:NAME` reference. An unset variable, an empty one and one of white space only
 * are errors (such a key is never sent), and so is anything that is not a reference: a literal key
 * in `group.yaml` would be a secret in git. The error names the variable and never repeats a
 * value.
 */
export function resolveCredential(ref: string, env: Env, where: { target: string; field: string }): Credential {
  const match = ENV_REF.exec(ref);
  if (!match) {
    throw new SyncError({
      code: 'credentials',
      target: where.target,
      message: `target ${where.target}: ${where.field} must be a reference of the form env:NAME`,
      hint: `put the key in an environment variable and write ${where.field}: env:<VARIABLE> in group.yaml`,
    });
  }
  const name = match[1] as string;
  const value = env[name];
  if (value === undefined || value.trim() === '') {
    throw new SyncError({
      code: 'credentials',
      target: where.target,
      message: `target ${where.target}: environment variable ${name} (from ${where.field}: ${ref}) is ${value === undefined ? 'not set' : value === '' ? 'empty' : 'only white space'}`,
      hint: `export ${name}=<admin key of ${where.target}> and run the command again`,
    });
  }
  return makeCredential(ref, value);
}

/**
 * Resolves the credentials of every target before any request is made, so a missing variable
 * for the last target stops the rollout before the first one is touched. Returns the credential
 * per target name (absent for targets without `admin_key`).
 */
export function resolveTargetCredentials(specs: readonly TargetSpec[], env: Env): ReadonlyMap<string, Credential> {
  const out = new Map<string, Credential>();
  for (const spec of specs) {
    if (spec.kind === 'file' || spec.admin_key === undefined) continue;
    out.set(spec.name, resolveCredential(spec.admin_key, env, { target: spec.name, field: 'admin_key' }));
  }
  return out;
}

/**
 * What gateway texts are scrubbed of: the key of every target of the fleet whose variable is set,
 * the targets not selected for this run included, so that an error of one gateway never carries
 * the key of another. Resolving here is never an error (the selected targets' references are
 * checked by `resolveTargetCredentials`).
 */
export function fleetScrubber(fleet: readonly TargetSpec[], env: Env): SecretScrubber {
  const values: string[] = [];
  for (const spec of fleet) {
    if (spec.kind === 'file' || spec.admin_key === undefined) continue;
    const name = ENV_REF.exec(spec.admin_key)?.[1];
    const value = name === undefined ? undefined : env[name];
    if (value !== undefined) values.push(value);
  }
  return new SecretScrubber(values);
}

/**
 * Signed snapshots at the edge (docs/signing.md): the signing key compile is given. Keys are read
 * here and handed to the pure functions of src/sign/; a private key never leaves this module but
 * as a KeyObject, and no message repeats what a key reference held.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { utf8Text } from '../load/text.js';
import { parsePrivateKey, type ParsedKey, type SigningKey } from '../sign/keys.js';
import type { Env } from '../sync/credentials.js';
import { UserError } from './errors.js';

/** Where a key reference is resolved: `file:` paths against `cwd`, `env:` names in `env`. */
export interface KeyContext {
  readonly cwd: string;
  readonly env: Env;
}

/** What compile signs with: the key, and the time to record (null: none). */
export interface Signer {
  readonly key: SigningKey;
  readonly signedAt: string | null;
}

/** A signature file beside each snapshot: `<snapshot>.sig`. */
export function signaturePath(snapshotPath: string): string {
  return `${snapshotPath}.sig`;
}

const ENV_REF = /^env:([A-Za-z_][A-Za-z0-9_]*)$/;

/**
 * The text a key reference names: `env:NAME` (the variable's value) or `file:PATH`; with
 * `literal`, anything else is the key itself (public keys only). `what` names the reference in
 * messages, e.g. `--sign env:TAGWAY_SIGNING_KEY`.
 */
async function keyText(ref: string, context: KeyContext, what: string, literal: boolean): Promise<string> {
  const env = ENV_REF.exec(ref);
  if (env) {
    const name = env[1]!;
    const value = context.env[name];
    if (value === undefined || value === '') {
      throw new UserError(`${what}: environment variable ${name} is ${value === '' ? 'empty' : 'not set'}`, `Set ${name} to the key (PEM, or base64 of its 32 bytes).`);
    }
    return value;
  }
  if (ref.startsWith('file:') && ref.length > 'file:'.length) {
    const file = path.resolve(context.cwd, ref.slice('file:'.length));
    try {
      return utf8Text(await fs.readFile(file));
    } catch (error) {
      throw new UserError(`${what}: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, 'Give the path of a key file (PEM).', { cause: error });
    }
  }
  if (literal) return ref;
  throw new UserError(`${what} is not a key reference (env:NAME or file:PATH)`, 'Keep the private key in an environment variable or a file and name it, e.g. --sign env:TAGWAY_SIGNING_KEY.');
}

function parsed<K>(result: ParsedKey<K>, what: string, kind: 'private' | 'public'): K {
  if (result.ok) return result.key;
  throw new UserError(
    `${what} is not an ed25519 ${kind} key: ${result.problem}`,
    kind === 'private'
      ? 'Make one with tagway keygen or openssl genpkey -algorithm ed25519 (PEM PKCS#8); docs/signing.md.'
      : 'Give the public key as a PEM "PUBLIC KEY" block or the base64 of its 32 bytes (tagway keygen prints both).',
  );
}

/**
 * The signer of `compile --sign REF --signed-at TIME`. The time is the flag's, else
 * `SOURCE_DATE_EPOCH`'s when set, else none: compile reads no clock, so that two compiles of the
 * same inputs with the same key give the same bytes.
 */
export async function prepareSigner(sign: { readonly key: string; readonly signedAt?: string }, context: KeyContext): Promise<Signer> {
  const what = `--sign ${ENV_REF.test(sign.key) || sign.key.startsWith('file:') ? sign.key : '(value not shown)'}`;
  const key = parsed(parsePrivateKey(await keyText(sign.key, context, what, false)), what, 'private');
  return { key, signedAt: signingTime(sign.signedAt, context.env) };
}

/** `--signed-at` (ISO 8601 with a zone, or seconds since the epoch) or `SOURCE_DATE_EPOCH`, as `YYYY-MM-DDTHH:MM:SSZ`. */
export function signingTime(flag: string | undefined, env: Env): string | null {
  const [source, value] = flag !== undefined ? ['--signed-at', flag] : ['SOURCE_DATE_EPOCH', env['SOURCE_DATE_EPOCH']];
  if (value === undefined || value === '') return null;
  const ms = /^\d+$/.test(value) ? Number(value) * 1000 : /(Z|[+-]\d\d:?\d\d)$/.test(value) ? Date.parse(value) : Number.NaN;
  if (!Number.isFinite(ms) || ms < 0 || ms > 253402300799000) {
    throw new UserError(
      `${source} ${JSON.stringify(value)} is not a time`,
      'Give seconds since the epoch (as SOURCE_DATE_EPOCH holds them) or an ISO 8601 time with its zone, e.g. 2024-05-01T12:00:00Z.',
    );
  }
  return `${new Date(Math.floor(ms / 1000) * 1000).toISOString().slice(0, 19)}Z`;
}

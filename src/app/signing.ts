/**
 * Signed snapshots at the edge (docs/signing.md): the signing key compile is given, the keys a
 * snapshot file is checked against, and the check itself. Keys are read here and handed to the
 * pure functions of src/sign/; a private key never leaves this module but as a KeyObject, and no
 * message repeats what a key reference held.
 */
import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { REPO_CONFIG_FILE } from '../load/source-file.js';
import { utf8Text } from '../core/text.js';
import { parseYamlFile } from '../load/yaml-file.js';
import type { RepoConfig } from '../model/config.js';
import { sourceKey, type Diagnostic } from '../model/diagnostic.js';
import type { SignatureFile } from '../model/signature.js';
import { parsePrivateKey, parsePublicKey, type ParsedKey, type PublicKey, type SigningKey } from '../sign/keys.js';
import { verifySnapshotSignature, type SignableSnapshot, type SignatureCheck as VerifyCheck } from '../sign/signature.js';
import type { Env } from '../sync/credentials.js';
import { checkSchema, schemaErrors } from '../validate/schemas.js';
import { UserError } from '../core/errors.js';
import type { CheckedSignature } from '../model/group-snapshot.js';

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

/** The keys a snapshot file is checked against, and where they were configured. */
export interface Trust {
  readonly keys: readonly PublicKey[];
  /** `tagway.yaml trusted_keys`, `--trusted-key file:…`: for messages. */
  readonly sources: readonly string[];
}

export type LoadedTrust =
  | { readonly kind: 'trust'; readonly trust: Trust }
  | { readonly kind: 'findings'; readonly diagnostics: readonly Diagnostic[]; readonly sources: ReadonlyMap<string, string> };

/**
 * The trusted keys of the repository at `root` (`trusted_keys` of its worktree tagway.yaml) and
 * of `refs` (`--trusted-key`: `env:NAME`, `file:PATH` or the key itself). A tagway.yaml that does
 * not parse or fit its schema comes back as findings; a key that is not an ed25519 public key,
 * or whose `id` is not its own, is a UserError.
 */
export async function loadTrust(root: string, refs: readonly string[], context: KeyContext): Promise<LoadedTrust> {
  const keys: PublicKey[] = [];
  const sources: string[] = [];
  let bytes: Uint8Array | null = null;
  try {
    bytes = readFileSync(path.join(root, REPO_CONFIG_FILE));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new UserError(`cannot read ${REPO_CONFIG_FILE}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, undefined, { cause: error });
    }
  }
  if (bytes !== null) {
    const file = parseYamlFile({ path: REPO_CONFIG_FILE, bytes });
    if (!file.ok) return { kind: 'findings', diagnostics: file.diagnostics, sources: new Map() };
    const findings = checkSchema('config', file.file);
    if (findings.length > 0) return { kind: 'findings', diagnostics: findings, sources: new Map([[sourceKey(REPO_CONFIG_FILE, undefined), file.file.text]]) };
    const entries = (file.file.data as RepoConfig | null)?.trusted_keys ?? [];
    entries.forEach((entry, i) => {
      const what = `${REPO_CONFIG_FILE} trusted_keys[${i}]`;
      const key = parsed(parsePublicKey(entry.key), what, 'public');
      if (entry.id !== undefined && entry.id !== key.id) {
        throw new UserError(`${what} says id ${entry.id}, but its key's id is ${key.id}`, 'The id is a check that the key is the one meant: copy both from tagway keygen, or leave id out.');
      }
      keys.push(key);
    });
    if (entries.length > 0) sources.push(`${REPO_CONFIG_FILE} trusted_keys`);
  }
  for (const ref of refs) {
    const what = `--trusted-key ${ENV_REF.test(ref) || ref.startsWith('file:') ? ref : '(given inline)'}`;
    keys.push(parsed(parsePublicKey(await keyText(ref, context, what, true)), what, 'public'));
    sources.push(what);
  }
  return { kind: 'trust', trust: { keys, sources } };
}

/** The checks a snapshot file passes where keys are trusted, in the order they are made. */
export type SignatureCheck = 'unsigned' | 'malformed' | VerifyCheck;


/**
 * Checks the signature beside a snapshot file (`<file>.sig`) against `trust`; throws a UserError
 * that names the check that failed. `shown`: the snapshot file as the user named it.
 */
export function checkSnapshotSignature(shown: string, abs: string, snapshot: SignableSnapshot, trust: Trust): CheckedSignature {
  const sigFile = signaturePath(abs);
  const refuse = (check: SignatureCheck, message: string, hint: string): never => {
    throw new UserError(`snapshot ${shown} refused (${check}): ${message}`, `${hint} Trusted keys come from ${trust.sources.join(' and ')}; see docs/signing.md.`);
  };
  let text: string;
  try {
    text = utf8Text(readFileSync(sigFile));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    return refuse(
      'unsigned',
      code === 'ENOENT' ? `it has no signature ${signaturePath(shown)}, and snapshots must be signed here` : `cannot read its signature ${signaturePath(shown)}: ${code}`,
      'Compile it with tagway compile --sign and carry snapshot.json.sig along with snapshot.json.',
    );
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    return refuse('malformed', `its signature ${signaturePath(shown)} is not JSON: ${(error as Error).message}`, 'Carry the signature file as compile wrote it.');
  }
  const problems = schemaErrors('signature', data);
  if (problems.length > 0) {
    return refuse('malformed', `its signature ${signaturePath(shown)} is not a tagway signature: ${problems.slice(0, 3).join('; ')}`, 'Carry the signature file as compile wrote it.');
  }
  const verdict = verifySnapshotSignature(snapshot, data as SignatureFile, trust.keys);
  if (!verdict.ok) {
    const hints: Record<VerifyCheck, string> = {
      'unknown-key': 'Sign with a trusted key, or add its public key to trusted_keys once you trust it.',
      'bad-signature': 'Never edit a snapshot or its signature; compile and sign it again.',
      mismatch: 'The signature belongs to another snapshot: carry each snapshot.json with the snapshot.json.sig compile wrote beside it.',
    };
    return refuse(verdict.check, verdict.message, hints[verdict.check]);
  }
  return { keyId: verdict.keyId, signedAt: verdict.signedAt };
}

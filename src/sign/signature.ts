/**
 * Signing a snapshot and checking a signature: pure functions of the snapshot, the key and the
 * signature (docs/signing.md). ed25519 signatures are deterministic, so the same snapshot, key
 * and `signed_at` always give the same signature file, byte for byte.
 */
import { sign, verify } from 'node:crypto';
import { canonicalJson, canonicalJsonPretty, sha256Digest } from '../core/canonical.js';
import type { Snapshot } from '../model/snapshot.js';
import { SIGNATURE_FORMAT, type SignatureFile, type SignedStatement } from '../model/signature.js';
import type { PublicKey, SigningKey } from './keys.js';

/** The parts of a snapshot a signature covers (all but `apisix`, which `digest` stands for; `adopt` when it has one). */
export type SignableSnapshot = Pick<Snapshot, 'format' | 'group' | 'digest' | 'draft' | 'provenance' | 'adopt'>;

/** The statement a signature of this snapshot vouches for. `signedAt`: UTC, `YYYY-MM-DDTHH:MM:SSZ`. */
export function snapshotStatement(snapshot: SignableSnapshot, signedAt: string | null): SignedStatement {
  return {
    ...(snapshot.adopt !== undefined ? { adopt: sha256Digest(canonicalJson(snapshot.adopt)) } : {}),
    commit: snapshot.provenance.commit,
    digest: snapshot.digest,
    draft: snapshot.draft,
    format: snapshot.format,
    group: snapshot.group,
    provenance: sha256Digest(canonicalJson(snapshot.provenance)),
    ...(signedAt !== null ? { signed_at: signedAt } : {}),
  };
}

/**
 * The bytes signed: the canonical JSON of the signature file's `format` and `statement`. The
 * format is signed too, so that a signature made for anything else tagway (or another tool) may
 * one day sign with the same key cannot pass for a snapshot's.
 */
function signedBytes(statement: SignedStatement): Buffer {
  return Buffer.from(canonicalJson({ format: SIGNATURE_FORMAT, statement }), 'utf8');
}

export function signSnapshot(snapshot: SignableSnapshot, key: SigningKey, signedAt: string | null): SignatureFile {
  const statement = snapshotStatement(snapshot, signedAt);
  const signature = sign(null, signedBytes(statement), key.privateKey).toString('base64');
  return { format: SIGNATURE_FORMAT, key_id: key.id, signature, statement };
}

/** The text of `snapshot.json.sig`: canonical JSON indented by two spaces. */
export function renderSignatureFile(file: SignatureFile): string {
  return canonicalJsonPretty(file);
}

/** The checks of `verifySnapshotSignature`, in the order they are made. */
export type SignatureCheck = 'unknown-key' | 'bad-signature' | 'mismatch';

export type Verification =
  | { readonly ok: true; readonly keyId: string; readonly signedAt: string | null }
  | { readonly ok: false; readonly check: SignatureCheck; readonly message: string };

/**
 * Checks a signature file (already known to fit its schema) against the snapshot it came with:
 * its key is one of `trusted` (by id), the signature verifies with that key, and the statement
 * it signs is this snapshot's. The snapshot's digest must have been checked against its content
 * before: the statement covers `apisix` through the digest only.
 */
export function verifySnapshotSignature(snapshot: SignableSnapshot, signature: SignatureFile, trusted: readonly PublicKey[]): Verification {
  const key = trusted.find((k) => k.id === signature.key_id);
  if (key === undefined) {
    return {
      ok: false,
      check: 'unknown-key',
      message: `it is signed by key ${signature.key_id}, which is not trusted here (trusted: ${trusted.map((k) => k.id).join(', ')})`,
    };
  }
  const valid = verify(null, signedBytes(signature.statement), key.key, Buffer.from(signature.signature, 'base64'));
  if (!valid) {
    return { ok: false, check: 'bad-signature', message: `its signature does not verify with key ${key.id}: the signature or its statement was changed after signing` };
  }
  const expected = snapshotStatement(snapshot, null);
  const signed = signature.statement;
  const fields = (['format', 'group', 'digest', 'draft', 'commit', 'provenance', 'adopt'] as const).filter((f) => expected[f] !== signed[f]);
  if (fields.length > 0) {
    const shown = fields.map((f) => `${f} ${JSON.stringify(expected[f])}, signed ${JSON.stringify(signed[f])}`).join('; ');
    return { ok: false, check: 'mismatch', message: `it is not the snapshot its signature (by key ${key.id}) vouches for: ${shown}` };
  }
  return { ok: true, keyId: key.id, signedAt: signed.signed_at ?? null };
}

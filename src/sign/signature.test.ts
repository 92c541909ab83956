import { createPublicKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SNAPSHOT_FORMAT } from '../model/snapshot.js';
import type { SignatureFile } from '../model/signature.js';
import { parsePrivateKey, parsePublicKey, rawPublicKey, type PublicKey, type SigningKey } from './keys.js';
import { renderSignatureFile, signSnapshot, snapshotStatement, verifySnapshotSignature, type SignableSnapshot } from './signature.js';

function keyPair(fill: number): { signing: SigningKey; public: PublicKey } {
  const parsed = parsePrivateKey(Buffer.alloc(32, fill).toString('base64'));
  if (!parsed.ok) throw new Error(parsed.problem);
  const pub = parsePublicKey(rawPublicKey(createPublicKey(parsed.key.privateKey)).toString('base64'));
  if (!pub.ok) throw new Error(pub.problem);
  return { signing: parsed.key, public: pub.key };
}

const ci = keyPair(1);
const other = keyPair(2);

const snapshot: SignableSnapshot = {
  format: SNAPSHOT_FORMAT,
  group: 'staging',
  digest: `sha256:${'a'.repeat(64)}`,
  draft: false,
  provenance: {
    commit: '0123456789abcdef0123456789abcdef01234567',
    services: [{ name: 'petstore', version: '1.1.0', tag: 'petstore/v1.1.0', commit: 'fedcba9876543210fedcba9876543210fedcba98', template: 'services/petstore/service.yaml', overlay: null }],
  },
};

function refusal(result: ReturnType<typeof verifySnapshotSignature>): { check: string; message: string } {
  if (result.ok) throw new Error('expected a refusal');
  return result;
}

describe('snapshot signatures', () => {
  it('a signature verifies for its snapshot with the trusted key that made it, among others', () => {
    const file = signSnapshot(snapshot, ci.signing, null);
    expect(file.key_id).toBe(ci.public.id);
    expect(verifySnapshotSignature(snapshot, file, [other.public, ci.public])).toEqual({ ok: true, keyId: ci.public.id, signedAt: null });
  });

  it('the statement covers format, group, digest, draft, the commit and the whole provenance; a time only when given', () => {
    const statement = snapshotStatement(snapshot, null);
    expect(Object.keys(statement).sort()).toEqual(['commit', 'digest', 'draft', 'format', 'group', 'provenance']);
    expect(statement.provenance).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(snapshotStatement(snapshot, '2024-05-01T12:00:00Z').signed_at).toBe('2024-05-01T12:00:00Z');
  });

  it('the same snapshot, key and time give the same bytes', () => {
    const a = renderSignatureFile(signSnapshot(snapshot, ci.signing, '2024-05-01T12:00:00Z'));
    const b = renderSignatureFile(signSnapshot({ ...snapshot, provenance: { ...snapshot.provenance } }, ci.signing, '2024-05-01T12:00:00Z'));
    expect(a).toBe(b);
    expect(a.endsWith('}\n')).toBe(true);
  });

  it('refuses a signature by a key that is not trusted (unknown-key)', () => {
    const result = refusal(verifySnapshotSignature(snapshot, signSnapshot(snapshot, other.signing, null), [ci.public]));
    expect(result.check).toBe('unknown-key');
    expect(result.message).toContain(other.public.id);
  });

  it('refuses a key id claimed by a signature another key made (bad-signature)', () => {
    const forged: SignatureFile = { ...signSnapshot(snapshot, other.signing, null), key_id: ci.public.id };
    expect(refusal(verifySnapshotSignature(snapshot, forged, [ci.public])).check).toBe('bad-signature');
  });

  it('refuses a statement edited after signing, the time included (bad-signature)', () => {
    const file = signSnapshot(snapshot, ci.signing, '2024-05-01T12:00:00Z');
    const tampered = { ...snapshot, digest: `sha256:${'b'.repeat(64)}` };
    for (const statement of [snapshotStatement(tampered, '2024-05-01T12:00:00Z'), { ...file.statement, signed_at: '2030-01-01T00:00:00Z' }]) {
      expect(refusal(verifySnapshotSignature(tampered, { ...file, statement }, [ci.public])).check).toBe('bad-signature');
    }
  });

  it.each([
    ['another digest (an edited object, its digest recomputed)', { digest: `sha256:${'c'.repeat(64)}` }, 'digest'],
    ['another group', { group: 'production' }, 'group'],
    ['a draft', { draft: true }, 'draft'],
    ['another provenance', { provenance: { ...snapshot.provenance, services: [] } }, 'provenance'],
    ['another commit', { provenance: { ...snapshot.provenance, commit: null } }, 'commit'],
  ])('refuses a good signature of another snapshot: %s (mismatch)', (_name, change, field) => {
    const file = signSnapshot(snapshot, ci.signing, null);
    const result = refusal(verifySnapshotSignature({ ...snapshot, ...change }, file, [ci.public]));
    expect(result.check).toBe('mismatch');
    expect(result.message).toContain(`${field} `);
  });
});

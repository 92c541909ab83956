/**
 * A snapshot's detached signature (`dist/<group>/snapshot.json.sig`), as schemas/signature.schema.json
 * defines it (test/schema-types.test.ts checks the key lists below against the schema).
 */
export const SIGNATURE_FORMAT = 'tagway.snapshot-signature/v1';

/**
 * What a signature vouches for: every field of the snapshot file, `apisix` through its digest and
 * `provenance` through the digest of its canonical JSON.
 */
export interface SignedStatement {
  /** The snapshot's `format`. */
  readonly format: string;
  readonly group: string;
  /** The snapshot's `digest`: sha256 of the canonical JSON of `apisix`. */
  readonly digest: string;
  readonly draft: boolean;
  /** `provenance.commit`, repeated here so that a reader of the signature sees what was built. */
  readonly commit: string | null;
  /** `sha256:<hex>` of the canonical JSON of the snapshot's whole `provenance`. */
  readonly provenance: string;
  /** `sha256:<hex>` of the canonical JSON of the snapshot's `adopt`, when it has one (docs/adoption.md). */
  readonly adopt?: string;
  /** When it was signed (UTC, whole seconds), only when compile was told (never read from a clock). */
  readonly signed_at?: string;
}

export interface SignatureFile {
  readonly format: typeof SIGNATURE_FORMAT;
  /** Id of the public key that verifies it (src/sign/keys.ts `keyId`); picks the key, proves nothing. */
  readonly key_id: string;
  /** base64 of the ed25519 signature of the canonical JSON of `{ format, statement }`. */
  readonly signature: string;
  readonly statement: SignedStatement;
}

export const SIGNATURE_KEYS = ['format', 'key_id', 'signature', 'statement'] as const satisfies readonly (keyof SignatureFile)[];
export const STATEMENT_KEYS = ['format', 'group', 'digest', 'draft', 'commit', 'provenance', 'adopt', 'signed_at'] as const satisfies readonly (keyof SignedStatement)[];

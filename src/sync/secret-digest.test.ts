import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../core/canonical.js';
import { valuesDigest } from './secret-references.js';

describe('the digest of a snapshot with resolved values', () => {
  const digest = `sha256:${'a'.repeat(64)}`;

  it('is the same for the same values, and another for a rotated one', () => {
    expect(valuesDigest(digest, ['k1', 'p1'])).toBe(valuesDigest(digest, ['k1', 'p1']));
    expect(valuesDigest(digest, ['k1', 'p2'])).not.toBe(valuesDigest(digest, ['k1', 'p1']));
    expect(valuesDigest(`sha256:${'b'.repeat(64)}`, ['k1', 'p1'])).not.toBe(valuesDigest(digest, ['k1', 'p1']));
    expect(valuesDigest(digest, ['k1'])).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('is no plain hash of what it covers, which a reader could test guesses against', () => {
    const plain = (s: string) => `sha256:${createHash('sha256').update(s).digest('hex')}`;
    const d = valuesDigest(digest, ['hunter2']);
    for (const guess of [canonicalJson(['hunter2']), `${digest}\n${canonicalJson(['hunter2'])}`, 'hunter2']) expect(d).not.toBe(plain(guess));
  });
});

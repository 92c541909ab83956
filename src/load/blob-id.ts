import { createHash } from 'node:crypto';

/** The id git gives a blob of these bytes: sha1 of `blob <length>\0` followed by the bytes. */
export function gitBlobId(bytes: Uint8Array): string {
  return createHash('sha1').update(`blob ${bytes.byteLength}\0`).update(bytes).digest('hex');
}

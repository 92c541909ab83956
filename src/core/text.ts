import { isAscii } from 'node:buffer';

/**
 * The UTF-8 text of `bytes`. Text that is all ASCII (what tagway writes, and most of what
 * gateways answer) is decoded as Latin-1, which gives the same characters without validating
 * UTF-8, in a fraction of the time (docs/performance.md, "Sync"). Anything else is decoded as
 * UTF-8.
 */
export function utf8Text(bytes: Uint8Array): string {
  const buffer = asBuffer(bytes);
  return isAscii(buffer) ? buffer.toString('latin1') : buffer.toString('utf8');
}

/** `bytes` as a Buffer over the same memory (no copy). */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

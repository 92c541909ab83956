import { describe, expect, it } from 'vitest';
import { utf8Text } from './text.js';

describe('utf8Text', () => {
  it('decodes ASCII and UTF-8 text alike, whatever the view', () => {
    for (const text of ['', '{"a":1}', 'plain ascii\n\t~', 'é ü 中文 🚀', 'a\u2028b', '\ufeff{"bom":true}', 'x'.repeat(100_000) + 'ÿ']) {
      const bytes = Buffer.from(text, 'utf8');
      expect(utf8Text(bytes)).toBe(text);
      const padded = Buffer.concat([Buffer.from('zz'), bytes, Buffer.from('zz')]);
      expect(utf8Text(new Uint8Array(padded.buffer, padded.byteOffset + 2, bytes.byteLength))).toBe(text);
    }
  });

  it('replaces malformed UTF-8 as a UTF-8 decoder does', () => {
    const bytes = Buffer.from([0x7b, 0xff, 0xc3, 0x7d]);
    expect(utf8Text(bytes)).toBe(bytes.toString('utf8'));
  });
});

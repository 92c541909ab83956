import { describe, expect, it } from 'vitest';
import { SecretScrubber } from './scrub.js';

describe('SecretScrubber', () => {
  const key = 'k3y/with+"quote"';
  const scrubber = new SecretScrubber(['short-1', key]);

  it('removes each value as written, as JSON writes it and percent-encoded', () => {
    expect(scrubber.scrub(`a ${key} b`)).toBe('a *** b');
    expect(scrubber.scrub(`{"x":"${JSON.stringify(key).slice(1, -1)}"}`)).toBe('{"x":"***"}');
    expect(scrubber.scrub(`?api_key=${encodeURIComponent(key)}`)).toBe('?api_key=***');
  });

  it('removes a value that holds another whole', () => {
    expect(new SecretScrubber(['abc', 'abcdef']).scrub('x abcdef y abc')).toBe('x *** y ***');
  });

  it('ignores empty and white-space values, and adds values with `with`', () => {
    expect(new SecretScrubber(['', '  ']).scrub('a  b')).toBe('a  b');
    expect(SecretScrubber.none.with('s3cr3t').with(null).scrub('s3cr3t!')).toBe('***!');
  });

  it('prints as nothing', () => {
    expect(JSON.stringify({ scrubber })).toBe('{"scrubber":{}}');
    expect(String(Object.keys(scrubber))).toBe('');
  });
});

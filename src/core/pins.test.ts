import { describe, expect, it } from 'vitest';
import { isExactVersion, isValidPin, resolvePin } from './pins.js';
import type { VersionTag } from '../model/version.js';

function tag(service: string, version: string): VersionTag {
  return {
    service,
    version,
    tag: `${service}/v${version}`,
    object: version.padEnd(40, '0'),
    commit: version.padEnd(40, '1'),
    annotated: true,
  };
}

const TAGS: readonly VersionTag[] = [
  tag('billing', '3.0.0'),
  tag('petstore', '1.2.0'),
  tag('petstore', '1.2.1'),
  tag('petstore', '1.9.0'),
  tag('petstore', '1.10.0-rc.1'),
  tag('petstore', '1.10.0-rc.2'),
  tag('petstore', '2.0.0-beta.1'),
];

describe('resolvePin', () => {
  it.each([
    ['1.2.0', '1.2.0'],
    ['1.10.0-rc.1', '1.10.0-rc.1'],
    ['^1.2', '1.9.0'],
    ['^1.2.0', '1.9.0'],
    ['~1.2', '1.2.1'],
    ['~1.2.0', '1.2.1'],
    ['1.2.x', '1.2.1'],
    ['*', '1.9.0'],
    ['>=1.2.0 <1.9.0', '1.2.1'],
    ['^1.10.0-rc.1', '1.10.0-rc.2'],
    ['>=2.0.0-beta.1', '2.0.0-beta.1'],
    ['  ^1.2  ', '1.9.0'],
  ])('%s selects %s', (pin, expected) => {
    expect(resolvePin(TAGS, 'petstore', pin)?.version).toBe(expected);
  });

  it.each([
    ['1.3.0', 'an exact version with no tag'],
    ['^3', 'a range with no match'],
    ['~1.10', 'a range whose only matches are pre-releases'],
    ['latest', 'an invalid pin'],
    ['', 'an empty pin'],
  ])('returns null for %j (%s)', (pin) => {
    expect(resolvePin(TAGS, 'petstore', pin)).toBeNull();
  });

  it('only considers the given service', () => {
    expect(resolvePin(TAGS, 'billing', '*')?.tag).toBe('billing/v3.0.0');
    expect(resolvePin(TAGS, 'petstore', '3.0.0')).toBeNull();
    expect(resolvePin(TAGS, 'unknown', '*')).toBeNull();
  });

  it('does not depend on the order of the tags', () => {
    const reversed = [...TAGS].reverse();
    for (const pin of ['*', '^1.2', '~1.2', '^1.10.0-rc.1']) {
      expect(resolvePin(reversed, 'petstore', pin)).toBe(resolvePin(TAGS, 'petstore', pin));
    }
  });
});

describe('isExactVersion', () => {
  it.each([
    ['1.2.0', true],
    ['1.2.0-rc.1', true],
    ['0.0.1', true],
    ['v1.2.0', false],
    ['=1.2.0', false],
    ['1.2', false],
    ['^1.2.0', false],
    ['1.2.0+build.1', false],
    ['01.2.0', false],
    ['*', false],
  ])('%s → %s', (pin, expected) => {
    expect(isExactVersion(pin)).toBe(expected);
  });
});

describe('isValidPin', () => {
  it.each([
    ['1.2.0', true],
    ['^1.2', true],
    ['*', true],
    ['>=1 <2', true],
    ['latest', false],
    ['1.2.0 ||| 2', false],
    ['', false],
    ['  ', false],
  ])('%s → %s', (pin, expected) => {
    expect(isValidPin(pin)).toBe(expected);
  });
});

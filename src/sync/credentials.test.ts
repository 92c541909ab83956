import { describe, expect, it } from 'vitest';
import type { TargetSpec } from '../model/target.js';
import { fleetScrubber, resolveCredential, resolveTargetCredentials } from './credentials.js';
import { SyncError } from './errors.js';

const where = { target: 'eu-1', field: 'admin_key' };

/** The error `run` throws; fails the test when it returns. */
function thrownBy(run: () => unknown): unknown {
  let error: unknown = null;
  try {
    run();
  } catch (e) {
    error = e;
  }
  if (error === null) throw new Error('expected a throw');
  return error;
}

describe('resolveCredential', () => {
  it('resolves env:NAME from the record it is given', () => {
    expect(resolveCredential('env:EU1_KEY', { EU1_KEY: 's3cr3t' }, where).value).toBe('s3cr3t');
  });

  const LITERAL = 'edd1c9f034335f136f87ad84b625c8f1';
  const SPACES = ' \t  ';
  const refused: ReadonlyArray<{ readonly name: string; readonly ref: string; readonly env: Record<string, string>; readonly message: string; readonly hint: string }> = [
    { name: 'an unset variable', ref: 'env:EU1_KEY', env: {}, message: 'target eu-1: environment variable EU1_KEY (from admin_key: env:EU1_KEY) is not set', hint: 'export EU1_KEY=<admin key of eu-1> and run the command again' },
    { name: 'an empty variable', ref: 'env:EU1_KEY', env: { EU1_KEY: '' }, message: 'target eu-1: environment variable EU1_KEY (from admin_key: env:EU1_KEY) is empty', hint: 'export EU1_KEY=<admin key of eu-1> and run the command again' },
    { name: 'a variable of white space only', ref: 'env:EU1_KEY', env: { EU1_KEY: SPACES }, message: 'target eu-1: environment variable EU1_KEY (from admin_key: env:EU1_KEY) is only white space', hint: 'export EU1_KEY=<admin key of eu-1> and run the command again' },
    { name: 'a literal key', ref: LITERAL, env: { [LITERAL]: 'x' }, message: 'target eu-1: admin_key must be a reference of the form env:NAME', hint: 'put the key in an environment variable and write admin_key: env:<VARIABLE> in group.yaml' },
    { name: 'a reference with no name', ref: 'env:', env: { '': 'x' }, message: 'target eu-1: admin_key must be a reference of the form env:NAME', hint: 'put the key in an environment variable and write admin_key: env:<VARIABLE> in group.yaml' },
    { name: 'a reference to a name that is no variable name', ref: 'env:EU-1', env: { 'EU-1': 'x' }, message: 'target eu-1: admin_key must be a reference of the form env:NAME', hint: 'put the key in an environment variable and write admin_key: env:<VARIABLE> in group.yaml' },
    { name: 'a reference with text around it', ref: ' env:EU1_KEY', env: { EU1_KEY: 'x' }, message: 'target eu-1: admin_key must be a reference of the form env:NAME', hint: 'put the key in an environment variable and write admin_key: env:<VARIABLE> in group.yaml' },
  ];

  for (const c of refused) {
    it(`refuses ${c.name}, naming what to fix and repeating no value`, () => {
      const resolve = () => resolveCredential(c.ref, c.env, where);
      expect(resolve).toThrow(SyncError);
      expect(resolve).toThrow(expect.objectContaining({ code: 'credentials', message: c.message, data: { code: 'credentials', target: 'eu-1', message: c.message, hint: c.hint } }));
      const error = thrownBy(resolve);
      for (const value of [LITERAL, SPACES, ...Object.values(c.env).filter((v) => v.length > 1)]) {
        expect(JSON.stringify(error)).not.toContain(JSON.stringify(value).slice(1, -1));
        expect(String(error)).not.toContain(value);
      }
    });
  }

  it('keeps the value out of JSON and enumeration', () => {
    const credential = resolveCredential('env:EU1_KEY', { EU1_KEY: 's3cr3t' }, where);
    expect(JSON.stringify({ credential })).toBe('{"credential":{"ref":"env:EU1_KEY"}}');
    expect(Object.keys(credential)).toEqual(['ref']);
  });
});

describe('resolveTargetCredentials', () => {
  it('checks every target before returning, and skips file targets and targets without a key', () => {
    const specs: TargetSpec[] = [
      { kind: 'apisix', name: 'eu-1', admin_url: 'http://a', admin_key: 'env:A' },
      { kind: 'file', name: 'local', path: 'out/apisix.yaml' },
      { kind: 'apisix-standalone', name: 'edge', admin_url: 'http://b' },
      { kind: 'apisix', name: 'eu-2', admin_url: 'http://c', admin_key: 'env:C' },
    ];
    expect(() => resolveTargetCredentials(specs, { A: 'a' })).toThrow('target eu-2: environment variable C (from admin_key: env:C) is not set');
    expect([...resolveTargetCredentials(specs, { A: 'a', C: 'c' }).keys()]).toEqual(['eu-1', 'eu-2']);
  });
});

describe('fleetScrubber', () => {
  it('scrubs the keys of every target of the fleet that has one set, and never throws', () => {
    const fleet: TargetSpec[] = [
      { kind: 'apisix', name: 'eu-1', admin_url: 'http://a', admin_key: 'env:A' },
      { kind: 'apisix-standalone', name: 'edge', admin_url: 'http://b', admin_key: 'env:B' },
      { kind: 'apisix', name: 'eu-2', admin_url: 'http://c', admin_key: 'env:UNSET' },
      { kind: 'file', name: 'local', path: 'out/apisix.yaml' },
    ];
    const scrubber = fleetScrubber(fleet, { A: 'key-of-a', B: 'key-of-b' });
    expect(scrubber.scrub('a=key-of-a b=key-of-b')).toBe('a=*** b=***');
  });

  it('skips a target whose key is no reference (its own check refuses it), without throwing', () => {
    const fleet: TargetSpec[] = [
      { kind: 'apisix', name: 'eu-1', admin_url: 'http://a', admin_key: 'edd1c9f034335f136f87ad84b625c8f1' },
      { kind: 'apisix', name: 'eu-2', admin_url: 'http://c', admin_key: 'env:C' },
    ];
    const scrubber = fleetScrubber(fleet, { C: 'key-of-c' });
    expect(scrubber.scrub('c=key-of-c')).toBe('c=***');
  });
});

import { describe, expect, it } from 'vitest';
import type { TargetSpec } from '../model/target.js';
import { fleetScrubber, resolveCredential, resolveTargetCredentials } from './credentials.js';
import { SyncError } from './errors.js';

const where = { target: 'eu-1', field: 'admin_key' };

describe('resolveCredential', () => {
  it('resolves env:NAME from the record it is given', () => {
    expect(resolveCredential('env:EU1_KEY', { EU1_KEY: 's3cr3t' }, where).value).toBe('s3cr3t');
  });

  it('is an error when the variable is unset or empty', () => {
    for (const env of [{}, { EU1_KEY: '' }]) {
      expect(() => resolveCredential('env:EU1_KEY', env, where)).toThrow(SyncError);
      try {
        resolveCredential('env:EU1_KEY', env, where);
      } catch (error) {
        expect((error as SyncError).data).toMatchObject({ code: 'credentials', target: 'eu-1' });
        expect((error as SyncError).message).toContain('EU1_KEY');
      }
    }
  });

  it('is an error naming the variable, not its value, when it holds only white space', () => {
    const value = ' \t  ';
    try {
      resolveCredential('env:EU1_KEY', { EU1_KEY: value }, where);
      expect.unreachable();
    } catch (error) {
      expect((error as SyncError).data).toMatchObject({ code: 'credentials', target: 'eu-1' });
      expect((error as SyncError).message).toBe('target eu-1: environment variable EU1_KEY (from admin_key: env:EU1_KEY) is only white space');
      expect(JSON.stringify(error)).not.toContain(value);
    }
  });

  it('refuses a literal key without repeating it', () => {
    try {
      resolveCredential('edd1c9f034335f136f87ad84b625c8f1', {}, where);
      expect.unreachable();
    } catch (error) {
      expect(JSON.stringify(error)).not.toContain('edd1c9f034335f136f87ad84b625c8f1');
      expect((error as SyncError).message).not.toContain('edd1c9f034335f136f87ad84b625c8f1');
    }
  });

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
    expect(() => resolveTargetCredentials(specs, { A: 'a' })).toThrow(/eu-2.*C/);
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
});

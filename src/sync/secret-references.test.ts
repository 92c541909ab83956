import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCertificate, type TestCertificate } from '../../test/support/certificates.js';
import { emptyConfig } from '../apisix/kinds/index.js';
import type { ApisixObject } from '../model/apisix.js';
import { SyncError } from './errors.js';
import type { SyncSnapshot } from './report.js';
import { resolveSecretReferences, valuesDigest } from './secret-references.js';

/** Values no message, hint or unresolved snapshot may show. */
const CANARY = 'canary-9f3a1c-secret';
const DIGEST = `sha256:${'c'.repeat(64)}`;

let root: string;
let pair: TestCertificate;
let other: TestCertificate;

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'tagway-secret-refs-'));
  const write = (name: string, content: string | Buffer) => {
    fs.mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    fs.writeFileSync(path.join(root, name), content);
  };
  write('secrets/plain', CANARY);
  write('secrets/lf', `${CANARY}\n`);
  write('secrets/crlf', `${CANARY}\r\n`);
  write('secrets/two-lines', `${CANARY}\n\n`);
  write('secrets/empty', '');
  write('secrets/only-newline', '\n');
  write('secrets/largest', 'k'.repeat(64 * 1024));
  write('secrets/too-large', 'k'.repeat(64 * 1024 + 1));
  fs.mkdirSync(path.join(root, 'secrets/folder'));
  const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'tagway-secret-outside-'));
  fs.writeFileSync(path.join(outside, 'key'), CANARY);
  fs.symlinkSync(path.join(outside, 'key'), path.join(root, 'secrets/link-out'));
  fs.symlinkSync(path.join(root, 'secrets/plain'), path.join(root, 'secrets/link-in'));
  fs.symlinkSync(path.join(root, 'secrets/gone'), path.join(root, 'secrets/broken'));
  [pair, other] = await Promise.all([makeCertificate({ names: ['a.example.com'] }), makeCertificate({ names: ['b.example.com'] })]);
  write('tls/a.key', pair.key);
  write('tls/b.key', other.key);
});

afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function snapshot(objects: { readonly consumers?: ApisixObject[]; readonly ssls?: ApisixObject[]; readonly routes?: ApisixObject[] }): SyncSnapshot {
  return { group: 'staging', digest: DIGEST, apisix: { ...emptyConfig(), ...objects } };
}

const consumer = (key: unknown, username = 'alice'): ApisixObject => ({ id: username, username, plugins: { 'key-auth': { key } } });

function thrown(run: () => unknown): SyncError {
  try {
    run();
  } catch (error) {
    if (error instanceof SyncError) return error;
    throw error;
  }
  throw new Error('expected a SyncError');
}

describe('resolveSecretReferences: a consumer credential', () => {
  const cases: ReadonlyArray<{ readonly name: string; readonly key: string; readonly env?: Record<string, string>; readonly value: string }> = [
    { name: 'env:NAME from the environment', key: 'env:ALICE_KEY', env: { ALICE_KEY: CANARY }, value: CANARY },
    { name: 'file:PATH as the file holds it', key: 'file:secrets/plain', value: CANARY },
    { name: 'file:PATH without its final line break', key: 'file:secrets/lf', value: CANARY },
    { name: 'file:PATH without its final CRLF', key: 'file:secrets/crlf', value: CANARY },
    { name: 'file:PATH losing one final line break only', key: 'file:secrets/two-lines', value: `${CANARY}\n` },
    { name: 'file:PATH through a link that stays inside', key: 'file:secrets/link-in', value: CANARY },
    { name: 'file:PATH of the largest size read', key: 'file:secrets/largest', value: 'k'.repeat(64 * 1024) },
  ];
  for (const c of cases) {
    it(`resolves ${c.name}`, () => {
      const given = snapshot({ consumers: [consumer(c.key)] });
      const before = structuredClone(given);
      const out = resolveSecretReferences(given, { env: c.env ?? {}, root });
      expect(out.snapshot.apisix.consumers).toEqual([consumer(c.value)]);
      expect(out.values).toEqual([c.value]);
      // The digest covers the values; the group and the other kinds are the snapshot's.
      expect(out.snapshot.digest).toBe(valuesDigest(DIGEST, [c.value]));
      expect(out.snapshot.group).toBe('staging');
      expect(out.snapshot.apisix.routes).toBe(given.apisix.routes);
      // The snapshot given keeps its references.
      expect(given).toEqual(before);
    });
  }

  const untouched: ReadonlyArray<{ readonly name: string; readonly key: unknown }> = [
    { name: 'a literal', key: 'a-literal-key' },
    { name: "the gateway's $env:// reference", key: '$env://ALICE_KEY' },
    { name: "the gateway's $secret:// reference", key: '$secret://vault/1/alice/key' },
    { name: 'a value that only contains a reference', key: 'xenv:ALICE_KEY' },
    { name: 'a value that is no string', key: 42 },
  ];
  for (const c of untouched) {
    it(`leaves ${c.name} as it is, and the snapshot itself`, () => {
      const given = snapshot({ consumers: [consumer(c.key)] });
      const out = resolveSecretReferences(given, { env: { ALICE_KEY: CANARY }, root });
      expect(out.snapshot).toBe(given);
      expect(out.values).toEqual([]);
    });
  }

  it('resolves every reference of every object, in order, and leaves the others', () => {
    const given = snapshot({
      consumers: [
        consumer('env:A_KEY', 'alice'),
        consumer('plain', 'bob'),
        { id: 'carol', username: 'carol', plugins: { 'basic-auth': { username: 'carol', password: 'file:secrets/plain' }, 'key-auth': { key: 'env:C_KEY' } } },
      ],
    });
    const out = resolveSecretReferences(given, { env: { A_KEY: 'value-a', C_KEY: 'value-c' }, root });
    expect(out.snapshot.apisix.consumers).toEqual([
      consumer('value-a', 'alice'),
      given.apisix.consumers[1],
      { id: 'carol', username: 'carol', plugins: { 'basic-auth': { username: 'carol', password: CANARY }, 'key-auth': { key: 'value-c' } } },
    ]);
    expect(out.snapshot.apisix.consumers[1]).toBe(given.apisix.consumers[1]);
    expect(out.values).toEqual(['value-a', CANARY, 'value-c']);
    expect(out.snapshot.digest).toBe(valuesDigest(DIGEST, ['value-a', CANARY, 'value-c']));
  });

  it('gives the same bytes for the same inputs', () => {
    const run = () => JSON.stringify(resolveSecretReferences(snapshot({ consumers: [consumer('env:K'), consumer('file:secrets/lf', 'bob')] }), { env: { K: 'v' }, root }));
    expect(run()).toBe(run());
  });
});

describe('resolveSecretReferences: a reference that cannot be resolved', () => {
  const cases: ReadonlyArray<{ readonly name: string; readonly key: string; readonly env?: Record<string, string>; readonly message: string; readonly hint: string | RegExp }> = [
    {
      name: 'an unset variable',
      key: 'env:ALICE_KEY',
      message: 'consumer alice key-auth key: environment variable ALICE_KEY (from env:ALICE_KEY) is not set',
      hint: 'export ALICE_KEY and run the command again; nothing was written',
    },
    {
      name: 'an empty variable',
      key: 'env:ALICE_KEY',
      env: { ALICE_KEY: '' },
      message: 'consumer alice key-auth key: environment variable ALICE_KEY (from env:ALICE_KEY) is empty',
      hint: 'export ALICE_KEY and run the command again; nothing was written',
    },
    { name: 'a path with ..', key: 'file:../outside/key', message: 'consumer alice key-auth key: file:../outside/key is not a path inside the repository', hint: /^put the secret in a file inside the repository .*; nothing was written$/ },
    { name: 'an absolute path', key: 'file:/etc/hostname', message: 'consumer alice key-auth key: file:/etc/hostname is not a path inside the repository', hint: /relative to the root/ },
    { name: 'a missing file', key: 'file:secrets/none', message: 'consumer alice key-auth key: file:secrets/none cannot be read (missing, or a broken link)', hint: /kept out of git/ },
    { name: 'a broken link', key: 'file:secrets/broken', message: 'consumer alice key-auth key: file:secrets/broken cannot be read (missing, or a broken link)', hint: /inside the repository/ },
    { name: 'a link out of the repository', key: 'file:secrets/link-out', message: 'consumer alice key-auth key: file:secrets/link-out leads out of the repository', hint: /inside the repository/ },
    { name: 'a folder', key: 'file:secrets/folder', message: 'consumer alice key-auth key: file:secrets/folder is not a regular file', hint: /inside the repository/ },
    { name: 'a file over 64 KiB', key: 'file:secrets/too-large', message: 'consumer alice key-auth key: file:secrets/too-large is larger than 65536 bytes', hint: /inside the repository/ },
    { name: 'an empty file', key: 'file:secrets/empty', message: 'consumer alice key-auth key: file:secrets/empty is empty', hint: /inside the repository/ },
    { name: 'a file of one line break', key: 'file:secrets/only-newline', message: 'consumer alice key-auth key: file:secrets/only-newline is empty', hint: /inside the repository/ },
  ];
  for (const c of cases) {
    it(`stops at ${c.name}, naming the object, the field and the reference`, () => {
      const error = thrown(() => resolveSecretReferences(snapshot({ consumers: [consumer('env:OTHER', 'aaron'), consumer(c.key)] }), { env: { OTHER: CANARY, ...c.env }, root }));
      expect(error.code).toBe('credentials');
      expect(error.message).toBe(c.message);
      expect(error.data.hint).toMatch(c.hint);
      expect(JSON.stringify(error.data)).not.toContain(CANARY);
    });
  }

  it('does not resolve a path inside the root by a name that only starts like it', () => {
    // `<root>-x/key` starts with the root's path but is not below it.
    const sibling = `${root}-x`;
    fs.mkdirSync(sibling, { recursive: true });
    try {
      fs.writeFileSync(path.join(sibling, 'key'), CANARY);
      fs.symlinkSync(path.join(sibling, 'key'), path.join(root, 'secrets/link-sibling'));
      const error = thrown(() => resolveSecretReferences(snapshot({ consumers: [consumer('file:secrets/link-sibling')] }), { env: {}, root }));
      expect(error.message).toBe('consumer alice key-auth key: file:secrets/link-sibling leads out of the repository');
    } finally {
      fs.rmSync(sibling, { recursive: true, force: true });
    }
  });
});

describe('resolveSecretReferences: an SSL certificate whose key is a reference', () => {
  const ssl = (key: string, cert: string = pair.cert): ApisixObject => ({ id: 'a-example', snis: ['a.example.com'], cert, key });

  it('resolves the key and checks it against the certificate', () => {
    const out = resolveSecretReferences(snapshot({ ssls: [ssl('file:tls/a.key')] }), { env: {}, root });
    const key = pair.key.replace(/\r?\n$/, '');
    expect(out.snapshot.apisix.ssls).toEqual([ssl(key)]);
    expect(out.values).toEqual([key]);
  });

  it('resolves a certificate given by reference too', () => {
    const out = resolveSecretReferences(snapshot({ ssls: [ssl('env:A_KEY', 'env:A_CERT')] }), { env: { A_KEY: pair.key, A_CERT: pair.cert }, root });
    expect(out.snapshot.apisix.ssls).toEqual([ssl(pair.key, pair.cert)]);
    expect(out.values).toEqual([pair.key, pair.cert]);
  });

  it("stops at a key that is not the certificate's, naming the reference, never the key", () => {
    const error = thrown(() => resolveSecretReferences(snapshot({ ssls: [ssl('file:tls/b.key')] }), { env: {}, root }));
    expect(error.code).toBe('credentials');
    expect(error.message).toBe('SSL certificate a-example key (from file:tls/b.key) is not the private key of the certificate in cert');
    expect(error.data.hint).toBe('put the matching certificate and key where the references point; nothing was written');
    expect(JSON.stringify(error.data)).not.toContain(other.key.split('\n')[1]);
  });

  it('names no reference for a field that held its value in the snapshot', () => {
    const error = thrown(() => resolveSecretReferences(snapshot({ ssls: [ssl(other.key, 'env:A_CERT')] }), { env: { A_CERT: pair.cert }, root }));
    expect(error.message).toBe('SSL certificate a-example key is not the private key of the certificate in cert');
  });
});

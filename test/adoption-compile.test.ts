/**
 * A group's adoption record (gateway-groups/<group>/adopt.yaml, docs/adoption.md): read with
 * positions, carried into the group's snapshot as `adopt` (sorted, outside the digest, inside a
 * signature's statement), and checked against the snapshot's objects (TW3060-TW3062).
 */
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { compile } from '../src/compile/compile.js';
import { renderSnapshotJson, snapshotJsonText } from '../src/compile/snapshot.js';
import { classifyPath } from '../src/load/layout.js';
import { selectionOf } from '../src/model/selection.js';
import { signSnapshot, verifySnapshotSignature } from '../src/sign/signature.js';
import { keyId } from '../src/sign/keys.js';
import { memoryInput } from './support/memory-repo.js';

const G = 'gateway-groups/staging';
const WEB =
  'name: web\nupstream:\n  nodes:\n    - host: 10.0.0.1\n      port: 80\nroutes:\n  - name: home\n    uris: [/]\n  - name: about\n    uris: [/about]\n';
const RECORD = `# taken over from the gateway
routes:
  "1001": web.about
  "1000": web.home
upstreams:
  u1: web
consumers:
  alice: alice
`;

function run(files: Record<string, string>, options: { readonly reportAll?: boolean; readonly snapshots?: boolean } = {}) {
  const input = memoryInput({
    files: {
      'services/web/service.yaml': WEB,
      [`${G}/group.yaml`]: 'name: staging\npublished:\n  web: 1.0.0\n',
      [`${G}/consumers/alice.yaml`]: 'plugins:\n  key-auth:\n    key: $env://ALICE_KEY\n',
      ...files,
    },
    tags: { 'web/v1.0.0': WEB },
  });
  return compile({
    ...input,
    ...(options.reportAll ? { selection: selectionOf({ reportAll: true }) } : {}),
    ...(options.snapshots === false ? { snapshots: false } : {}),
  });
}

const found = (r: ReturnType<typeof run>) => r.diagnostics.map((d) => `${d.file}:${d.line}:${d.column} ${d.code} ${d.hint ?? ''}`);

describe('the adoption record', () => {
  it('is a file of its group, not a stray one', () => {
    expect(classifyPath(`${G}/adopt.yaml`)).toEqual({ kind: 'adopt', group: 'staging' });
    expect(classifyPath(`${G}/adopt/x.yaml`)).toMatchObject({ kind: 'stray' });
  });

  it('goes into the snapshot sorted, outside the digest, and the same bytes whatever its order', () => {
    const without = run({});
    const withRecord = run({ [`${G}/adopt.yaml`]: RECORD });
    expect(found(withRecord)).toEqual([]);
    const snapshot = withRecord.snapshots[0]!;
    expect(snapshot.adopt).toEqual({ consumers: { alice: 'alice' }, routes: { '1000': 'web.home', '1001': 'web.about' }, upstreams: { u1: 'web' } });
    expect(Object.keys(snapshot.adopt!)).toEqual(['consumers', 'routes', 'upstreams']);
    expect(snapshot.digest).toBe(without.snapshots[0]!.digest);
    expect(without.snapshots[0]!.adopt).toBeUndefined();
    expect(renderSnapshotJson(without.files!.get('staging')!)).not.toContain('"adopt"');

    const text = renderSnapshotJson(withRecord.files!.get('staging')!);
    expect(JSON.parse(text).adopt).toEqual(snapshot.adopt);
    // Rendered from the pieces and from the objects alike.
    expect(text).toBe(snapshotJsonText(snapshot));
    const reordered = run({ [`${G}/adopt.yaml`]: 'upstreams:\n  u1: web\nconsumers:\n  alice: alice\nroutes:\n  "1000": web.home\n  "1001": web.about\n' });
    expect(renderSnapshotJson(reordered.files!.get('staging')!)).toBe(text);
  });

  it('leaves nothing in the snapshot when it lists nothing', () => {
    const result = run({ [`${G}/adopt.yaml`]: 'routes: {}\n' });
    expect(found(result)).toEqual([]);
    expect(result.snapshots[0]!.adopt).toBeUndefined();
  });

  it('is covered by a signature: the same snapshot with another record does not verify', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const key = { id: keyId(publicKey), privateKey };
    const snapshot = run({ [`${G}/adopt.yaml`]: RECORD }).snapshots[0]!;
    const signature = signSnapshot(snapshot, key, null);
    const trusted = [{ id: key.id, key: publicKey }];
    expect(verifySnapshotSignature(snapshot, signature, trusted)).toMatchObject({ ok: true });
    const other = { ...snapshot, adopt: { routes: { '1000': 'web.about' } } };
    expect(verifySnapshotSignature(other, signature, trusted)).toMatchObject({ ok: false, check: 'mismatch' });
    const none = { ...snapshot };
    delete (none as { adopt?: unknown }).adopt;
    expect(verifySnapshotSignature(none, signature, trusted)).toMatchObject({ ok: false, check: 'mismatch' });
  });

  const cases: ReadonlyArray<{ readonly name: string; readonly record: string; readonly expected: readonly string[] }> = [
    { name: 'a kind tagway does not know, at its key', record: 'rotues:\n  "1000": web.home\n', expected: [`${G}/adopt.yaml:1:1 TW3060 Did you mean routes?`] },
    { name: 'a tagway id the snapshot lacks, at the value', record: 'routes:\n  "1000": web.hom\n', expected: [`${G}/adopt.yaml:2:11 TW3061 Did you mean web.home?`] },
    { name: 'an id of the wrong kind', record: 'services:\n  s1: web.home\n', expected: [`${G}/adopt.yaml:2:7 TW3061`] },
    { name: 'a gateway id that is another tagway object\'s id', record: 'routes:\n  web.home: web.about\n', expected: [`${G}/adopt.yaml:2:3 TW3062`] },
    { name: 'a value that is no string (schema)', record: 'routes:\n  "1000": 7\n', expected: [`${G}/adopt.yaml:2:11 TW2003`] },
    { name: 'a gateway id twice (YAML)', record: 'routes:\n  "1000": web.home\n  "1000": web.about\n', expected: [`${G}/adopt.yaml:3:3 TW1006`] },
  ];
  for (const c of cases) {
    it(`refuses ${c.name}`, () => {
      const result = run({ [`${G}/adopt.yaml`]: c.record });
      expect(found(result)).toEqual(c.expected.map((e) => expect.stringContaining(e)));
      expect(result.snapshots).toEqual([]);
    });
  }

  it('is checked by validate too, which makes no snapshot', () => {
    const result = run({ [`${G}/adopt.yaml`]: 'routes:\n  "1000": web.hom\n' }, { reportAll: true, snapshots: false });
    expect(result.diagnostics.map((d) => d.code)).toEqual(['TW3061']);
    expect(result.snapshots).toEqual([]);
  });
});

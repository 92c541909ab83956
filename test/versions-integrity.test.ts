/**
 * TW3016: a version tag a group runs must not be moved or re-created after tagway recorded it.
 * Table tests of the rule on in-memory inputs, then the real thing: tags moved with the git CLI
 * after `tagway publish`, caught by validate and compile.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { runCompile, runValidate } from '../src/app/compile.js';
import { runPublish } from '../src/app/publish.js';
import { compile } from '../src/compile/compile.js';
import { fakeOid, memoryInput } from './support/memory-repo.js';
import { addPetstoreRoute, makeVersionRepo, type VersionRepo } from './support/version-repo.js';

const WEB = `name: web
upstream:
  nodes:
    - host: 10.0.0.1
      port: 80
routes:
  - name: home
    uris: [/]
    methods: [GET]
`;
const G = 'gateway-groups/g/group.yaml';
/** What memoryInput makes the tag ref of `tag` point at. */
const objectOf = (tag: string) => fakeOid(`o${tag}`);
const group = (pin: string, lock: { version: string; object: string } | null) =>
  `name: g\npublished:\n  web: ${pin}\n${lock ? `locks:\n  web: { version: ${lock.version}, object: ${lock.object} }\n` : ''}`;

interface Case {
  readonly name: string;
  readonly pin: string;
  readonly lock: { version: string; object: string } | null;
  readonly tags: readonly string[];
  readonly draft?: boolean;
  readonly expected: readonly { code: string; line: number; column: number; severity: string }[];
}

const MOVED = 'f'.repeat(40);
const cases: Case[] = [
  { name: 'a record that matches the tag', pin: '1.0.0', lock: { version: '1.0.0', object: objectOf('web/v1.0.0') }, tags: ['web/v1.0.0'], expected: [] },
  { name: 'no record (a pin edited by hand) is not compared', pin: '1.0.0', lock: null, tags: ['web/v1.0.0'], expected: [] },
  {
    name: 'an exact pin whose tag was moved',
    pin: '1.0.0',
    lock: { version: '1.0.0', object: MOVED },
    tags: ['web/v1.0.0'],
    expected: [{ code: 'TW3016', line: 3, column: 8, severity: 'error' }],
  },
  {
    name: 'a range that still selects the recorded version, whose tag was re-created',
    pin: '^1.0',
    lock: { version: '1.1.0', object: MOVED },
    tags: ['web/v1.0.0', 'web/v1.1.0'],
    expected: [{ code: 'TW3016', line: 3, column: 8, severity: 'error' }],
  },
  {
    name: 'a range that moved on to a newer tag: a new version, not a moved one',
    pin: '^1.0',
    lock: { version: '1.0.0', object: objectOf('web/v1.0.0') },
    tags: ['web/v1.0.0', 'web/v1.1.0'],
    expected: [],
  },
  {
    name: 'a range whose recorded tag was deleted, falling back to an older version',
    pin: '^1.0',
    lock: { version: '1.1.0', object: objectOf('web/v1.1.0') },
    tags: ['web/v1.0.0'],
    expected: [{ code: 'TW3016', line: 3, column: 8, severity: 'error' }],
  },
  {
    name: 'a record of another version than the exact pin is stale, not compared',
    pin: '1.1.0',
    lock: { version: '1.0.0', object: MOVED },
    tags: ['web/v1.0.0', 'web/v1.1.0'],
    expected: [],
  },
  {
    name: 'a draft compile only warns',
    pin: '1.0.0',
    lock: { version: '1.0.0', object: MOVED },
    tags: ['web/v1.0.0'],
    draft: true,
    expected: [{ code: 'TW3016', line: 3, column: 8, severity: 'warning' }],
  },
];

describe('tag-integrity rule (TW3016)', () => {
  it.each(cases)('$name', (c) => {
    const result = compile(
      memoryInput({
        files: { 'services/web/service.yaml': WEB, [G]: group(c.pin, c.lock) },
        tags: Object.fromEntries(c.tags.map((t) => [t, WEB])),
        ...(c.draft ? { draft: true } : {}),
      }),
    );
    const found = result.diagnostics.filter((d) => d.code === 'TW3016').map((d) => ({ code: d.code, line: d.line, column: d.column, severity: d.severity }));
    expect(found).toEqual(c.expected);
  });

  it('points at the pin and, as related, at the record', () => {
    const result = compile(
      memoryInput({ files: { 'services/web/service.yaml': WEB, [G]: group('1.0.0', { version: '1.0.0', object: MOVED }) }, tags: { 'web/v1.0.0': WEB } }),
    );
    const d = result.diagnostics.find((x) => x.code === 'TW3016')!;
    expect(d).toMatchObject({ file: G, pointer: '/published/web', related: [{ file: G, line: 5, column: 34, pointer: '/locks/web/object' }] });
    expect(d.hint).toContain(`git update-ref refs/tags/web/v1.0.0 ${MOVED}`);
    expect(result.snapshots).toEqual([]);
  });
});

describe('moved tags in a real repository', () => {
  const open: VersionRepo[] = [];
  afterEach(() => {
    for (const r of open.splice(0)) r.cleanup();
  });
  async function published(): Promise<VersionRepo> {
    const r = makeVersionRepo();
    open.push(r);
    addPetstoreRoute(r.repo, 'adopt', '/adopt');
    const outcome = await runPublish({ ...r.base, service: 'petstore', version: '1.2.0', groups: ['production'] });
    expect(outcome.ok).toBe(true);
    expect((await runValidate({ cwd: r.repo.dir })).diagnostics).toEqual([]);
    return r;
  }
  const PIN = { file: 'gateway-groups/production/group.yaml', line: 5, column: 13 };

  it.each([
    ['moved to another commit (git tag -f)', (r: VersionRepo) => r.repo.tag('petstore/v1.2.0', { message: 'moved', target: 'HEAD~2', force: true })],
    [
      're-created on the same commit with another message',
      (r: VersionRepo) => {
        const commit = r.repo.revParse('petstore/v1.2.0^{commit}');
        r.repo.git('tag', '-d', 'petstore/v1.2.0');
        r.repo.tag('petstore/v1.2.0', { message: 'petstore 1.2.0 (again)', target: commit });
      },
    ],
    [
      're-created as a lightweight tag',
      (r: VersionRepo) => {
        const commit = r.repo.revParse('petstore/v1.2.0^{commit}');
        r.repo.git('tag', '-d', 'petstore/v1.2.0');
        r.repo.tag('petstore/v1.2.0', { target: commit });
      },
    ],
  ])('validate and compile report a tag %s, at the pin', async (_name, move) => {
    const r = await published();
    const recorded = r.repo.revParse('refs/tags/petstore/v1.2.0');
    move(r);
    expect(r.repo.revParse('refs/tags/petstore/v1.2.0')).not.toBe(recorded);

    const validated = await runValidate({ cwd: r.repo.dir });
    expect(validated.ok).toBe(false);
    expect(validated.diagnostics.map((d) => ({ code: d.code, file: d.file, line: d.line, column: d.column }))).toEqual([{ code: 'TW3016', ...PIN }]);
    const compiled = await runCompile({ cwd: r.repo.dir, outDir: 'out-test' });
    expect(compiled.ok).toBe(false);
    expect(compiled.diagnostics.map((d) => d.code)).toEqual(['TW3016']);

    // The fix the hint gives restores it.
    r.repo.git('update-ref', 'refs/tags/petstore/v1.2.0', recorded);
    expect((await runValidate({ cwd: r.repo.dir })).ok).toBe(true);
  });

  it('a newer tag matching a tracking range is accepted as new', async () => {
    const r = makeVersionRepo();
    open.push(r);
    addPetstoreRoute(r.repo, 'adopt', '/adopt');
    await runPublish({ ...r.base, service: 'petstore', version: '1.2.0', groups: ['staging'] });
    addPetstoreRoute(r.repo, 'adopt-more', '/adopt-more');
    r.repo.tag('petstore/v1.3.0', { message: 'petstore 1.3.0, tagged with git' });
    const validated = await runValidate({ cwd: r.repo.dir });
    expect(validated.diagnostics).toEqual([]);
    const compiled = await runCompile({ cwd: r.repo.dir, groups: ['staging'], outDir: 'out-test' });
    expect(compiled.snapshots[0]!.provenance.services.find((s) => s.name === 'petstore')!.version).toBe('1.3.0');
  });
});

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeRefusal, repoFileReader } from './repo-file.js';
import type { RepoFileRead } from './repo-file.js';
import { MAX_FILE_BYTES } from '../load/source-file.js';

const CANARY = 'canary-repo-file-4f1d';

let base: string;
let root: string;
let outside: string;

beforeAll(() => {
  base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'tagway-repo-file-')));
  root = path.join(base, 'repo');
  outside = path.join(base, 'outside');
  fs.mkdirSync(path.join(outside, 'services/x'), { recursive: true });
  fs.writeFileSync(path.join(outside, 'secret.yaml'), `token: ${CANARY}\n`);
  fs.writeFileSync(path.join(outside, 'services/x/service.yaml'), `name: ${CANARY}\n`);
  const files: Record<string, string> = {
    'services/web/service.yaml': 'name: web\n',
    'services/web/notes.txt': 'name: notes\n',
    'gateway-groups/g/group.yaml': 'name: g\n',
    '.git/config': `[http]\n  extraheader = AUTHORIZATION: basic ${CANARY}\n`,
    'docs/readme.yaml': 'name: docs\n',
  };
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), text);
  }
  const links: Record<string, string> = {
    'services/web/inside.yaml': 'service.yaml',
    'services/web/to-notes.yaml': 'notes.txt',
    'services/web/chain.yaml': 'inside.yaml',
    'services/web/environ.yaml': '/proc/self/environ',
    'services/web/outside.yaml': path.join(outside, 'secret.yaml'),
    'services/web/dotdot.yaml': '../../../outside/secret.yaml',
    'services/web/git-config.yaml': '../../.git/config',
    'services/web/docs.yaml': '../../docs/readme.yaml',
    'services/web/chain-out.yaml': 'outside.yaml',
    'services/web/broken.yaml': 'nothing-here.yaml',
    'services/web/loop-a.yaml': 'loop-b.yaml',
    'services/web/loop-b.yaml': 'loop-a.yaml',
    'services/web/dev-null.yaml': '/dev/null',
    'services/web/folder.yaml': '../../gateway-groups',
    'services/etc': '/etc',
    'services/x': path.join(outside, 'services/x'),
    'services/in-link': 'web',
  };
  for (const [rel, target] of Object.entries(links)) fs.symlinkSync(target, path.join(root, rel));
  spawnSync('mkfifo', [path.join(root, 'services/web/fifo.yaml')]);
  fs.writeFileSync(path.join(root, 'services/web/big.yaml'), Buffer.alloc(MAX_FILE_BYTES + 10, 0x61));
  fs.writeFileSync(path.join(root, 'services/web/locked.yaml'), `name: ${CANARY}\n`, { mode: 0o000 });
});

afterAll(() => fs.rmSync(base, { recursive: true, force: true }));

/** What a read gives, as the table states it: the text read, or the kind of refusal. */
function outcome(read: RepoFileRead): string {
  if (read.ok) return read.bytes.byteLength > MAX_FILE_BYTES ? `marker of ${read.bytes.byteLength} bytes` : `read ${JSON.stringify(Buffer.from(read.bytes).toString('utf8'))}`;
  return read.refusal.kind === 'not-a-file' ? `not-a-file (${read.refusal.what})` : read.refusal.kind;
}

describe('the guarded reader', () => {
  const cases: [string, string, string][] = [
    ['a regular file', 'services/web/service.yaml', 'read "name: web\\n"'],
    ['a link to a config file of the repository', 'services/web/inside.yaml', 'read "name: web\\n"'],
    ['a link to another file in the config folders', 'services/web/to-notes.yaml', 'read "name: notes\\n"'],
    ['a chain of links that stays in the config folders', 'services/web/chain.yaml', 'read "name: web\\n"'],
    ['a link to /proc/self/environ', 'services/web/environ.yaml', 'outside'],
    ['a link to a file outside the repository', 'services/web/outside.yaml', 'outside'],
    ['a relative link that climbs out with ..', 'services/web/dotdot.yaml', 'outside'],
    ['a link into .git (credentials live there)', 'services/web/git-config.yaml', 'outside'],
    ['a link to a repository file outside the config folders', 'services/web/docs.yaml', 'outside'],
    ['a link to a link that leaves', 'services/web/chain-out.yaml', 'outside'],
    ['a link to a device', 'services/web/dev-null.yaml', 'outside'],
    ['a broken link', 'services/web/broken.yaml', 'broken-link'],
    ['a loop of links', 'services/web/loop-a.yaml', 'broken-link'],
    ['a link to a folder inside', 'services/web/folder.yaml', 'linked-folder'],
    ['a file in a folder linked to /etc', 'services/etc/passwd', 'linked-folder'],
    ['a file in a folder linked outside', 'services/x/service.yaml', 'linked-folder'],
    ['a file in a folder linked inside', 'services/in-link/service.yaml', 'linked-folder'],
    ['a path with ..', 'services/../../outside/secret.yaml', 'outside'],
    ['an absolute path', '/etc/passwd', 'outside'],
    ['a path with an empty segment', 'services//web/service.yaml', 'outside'],
    ['a FIFO (no writer: a blocking read would wait for ever)', 'services/web/fifo.yaml', 'not-a-file (FIFO)'],
    ['a folder', 'services/web', 'not-a-file (folder)'],
    ['a file over the size limit', 'services/web/big.yaml', `marker of ${MAX_FILE_BYTES + 10} bytes`],
    ['a file that is not there', 'services/web/gone.yaml', 'missing'],
  ];
  for (const [what, rel, expected] of cases) {
    it(`${what}: ${expected}`, () => {
      expect(outcome(repoFileReader(root).read(rel))).toBe(expected);
    });
  }

  it.skipIf(process.getuid?.() === 0)('a file the system does not let it read: unreadable, with the error code', () => {
    const read = repoFileReader(root).read('services/web/locked.yaml');
    expect(read).toEqual({ ok: false, refusal: { kind: 'unreadable', code: 'EACCES' } });
  });

  it('never puts what it refused to read into its answer or the message', () => {
    const reader = repoFileReader(root);
    for (const [, rel] of cases) {
      const read = reader.read(rel);
      if (read.ok) continue;
      expect(JSON.stringify(read)).not.toContain(CANARY);
      expect(describeRefusal(rel, read.refusal)).not.toContain(CANARY);
    }
  });

  it('reads through a root given by a linked path', () => {
    const alias = path.join(base, 'alias');
    fs.symlinkSync(root, alias);
    const reader = repoFileReader(alias);
    expect(reader.root).toBe(root);
    expect(outcome(reader.read('services/web/inside.yaml'))).toBe('read "name: web\\n"');
  });
});

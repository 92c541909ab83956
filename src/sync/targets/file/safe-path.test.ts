import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SyncError } from '../../errors.js';
import { safeTargetPath } from './safe-path.js';

let root: string;
let outside: string;
beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'tagway-safe-'));
  outside = fs.mkdtempSync(path.join(os.tmpdir(), 'tagway-outside-'));
  fs.mkdirSync(path.join(root, '.git'));
  fs.mkdirSync(path.join(root, 'gateway-groups/g'), { recursive: true });
  fs.symlinkSync(outside, path.join(root, 'escape'));
  fs.symlinkSync(path.join(root, '.git'), path.join(root, 'sneaky'));
});
afterAll(() => {
  fs.rmSync(root, { recursive: true, force: true });
  fs.rmSync(outside, { recursive: true, force: true });
});

describe('file target paths', () => {
  const accepted: ReadonlyArray<readonly [string, string]> = [
    ['a file in a folder that does not exist yet', 'out/staging/apisix.yaml'],
    ['a .json file at the root', 'apisix.json'],
    ['a .yml file', 'out/apisix.yml'],
  ];
  for (const [name, good] of accepted) {
    it(`accepts ${name}`, async () => {
      expect(await safeTargetPath('t', root, good)).toBe(path.join(fs.realpathSync(root), good));
    });
  }

  const OUTSIDE = 'it is outside the repository';
  const refused: ReadonlyArray<readonly [string, string | RegExp]> = [
    ['.git/HEAD', ".git holds the repository's own data, never gateway output"],
    ['gateway-groups/g/group.yaml', "gateway-groups holds the repository's own data, never gateway output"],
    ['services/x/service.yaml', "services holds the repository's own data, never gateway output"],
    ['tagway.yaml', "tagway.yaml holds the repository's own data, never gateway output"],
    ['../elsewhere.yaml', OUTSIDE],
    ['out/../../elsewhere.yaml', OUTSIDE],
    ['.', OUTSIDE],
    ['/etc/apisix.yaml', 'the path must be relative to the repository root'],
    ['out/notes.txt', 'a standalone file ends in .yaml, .yml or .json'],
    ['out/apisix.yaml.bak', 'a standalone file ends in .yaml, .yml or .json'],
    ['escape/apisix.yaml', /^its folder is a link to .*tagway-outside-.*, outside the repository$/],
    ['escape/new/apisix.yaml', /^its folder is a link to .*tagway-outside-.*, outside the repository$/],
    ['sneaky/config.yaml', 'its folder is a link into .git'],
  ];
  for (const [bad, why] of refused) {
    it(`refuses ${bad}`, async () => {
      const error = await safeTargetPath('t', root, bad).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(SyncError);
      const data = (error as SyncError).data;
      const prefix = `target t: refusing to write ${bad}: `;
      expect(data.message.startsWith(prefix)).toBe(true);
      expect(data.message.slice(prefix.length)).toMatch(typeof why === 'string' ? new RegExp(`^${why.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) : why);
      expect(data).toMatchObject({ code: 'io', target: 't', hint: 'Point `path:` at a generated file inside the repository, e.g. out/<group>/apisix.yaml.' });
    });
  }
});

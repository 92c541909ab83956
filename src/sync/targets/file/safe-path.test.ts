import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
  it('accepts a generated file inside the repository, even in a folder that does not exist yet', async () => {
    expect(await safeTargetPath('t', root, 'out/staging/apisix.yaml')).toBe(path.join(fs.realpathSync(root), 'out/staging/apisix.yaml'));
    expect(await safeTargetPath('t', root, 'apisix.json')).toMatch(/apisix\.json$/);
  });

  for (const [bad, why] of [
    ['.git/HEAD', '.git'],
    ['gateway-groups/g/group.yaml', 'gateway-groups'],
    ['services/x/service.yaml', 'services'],
    ['tagway.yaml', 'tagway.yaml'],
    ['../elsewhere.yaml', 'outside'],
    ['/etc/apisix.yaml', 'relative'],
    ['out/notes.txt', '.yaml'],
    ['escape/apisix.yaml', 'outside the repository'],
    ['sneaky/config.yaml', '.git'],
  ] as const) {
    it(`refuses ${bad}`, async () => {
      await expect(safeTargetPath('t', root, bad)).rejects.toThrow(why);
    });
  }
});

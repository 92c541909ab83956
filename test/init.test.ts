/**
 * `tagway init`: a new config repository that validates, publishes and syncs, and a second init
 * that overwrites nothing.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runInit } from '../src/app/init.js';
import { runValidate } from '../src/app/compile.js';
import { makeTempDir, runGit } from './support/git-repo.js';

const temps: { cleanup(): void }[] = [];
afterEach(() => {
  for (const t of temps.splice(0)) t.cleanup();
});

describe('init', () => {
  it('makes a repository whose starter configuration is valid', async () => {
    const temp = makeTempDir();
    temps.push(temp);
    const dir = path.join(temp.dir, 'config');
    const outcome = await runInit({ dir });
    expect(outcome.createdRepository).toBe(true);
    expect(outcome.written).toContain('services/hello/service.yaml');
    expect(outcome.written).toContain('schemas/service.schema.json');
    expect(runGit(dir, ['rev-parse', '--is-inside-work-tree'])).toBe('true');
    const result = await runValidate({ cwd: dir, draft: true });
    expect(result.diagnostics).toEqual([]);
  });

  it('never overwrites a file that is already there', async () => {
    const temp = makeTempDir();
    temps.push(temp);
    await runInit({ dir: temp.dir });
    fs.writeFileSync(path.join(temp.dir, 'services/hello/service.yaml'), 'name: mine\n');
    const again = await runInit({ dir: temp.dir });
    expect(again.createdRepository).toBe(false);
    expect(again.written).toEqual([]);
    expect(again.kept).toContain('services/hello/service.yaml');
    expect(fs.readFileSync(path.join(temp.dir, 'services/hello/service.yaml'), 'utf8')).toBe('name: mine\n');
  });

  it('--example writes the bundled example', async () => {
    const temp = makeTempDir();
    temps.push(temp);
    const outcome = await runInit({ dir: temp.dir, example: true });
    expect(outcome.written).toEqual(expect.arrayContaining(['services/petstore/service.yaml', 'gateway-groups/production/group.yaml']));
    const result = await runValidate({ cwd: temp.dir, draft: true });
    expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  });
});

/**
 * Layout mistakes that used to pass silently (exit 0): a folder where a template file belongs,
 * and an overlay for a service that does not exist. Both are errors with a location, however
 * the worktree is read (git's listing with the cache, the folder walk without it) and at a
 * revision.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCompile, runValidate } from '../src/app/compile.js';
import { makeExampleRepo } from './support/example-repo.js';
import type { TempRepo } from './support/git-repo.js';

const open: TempRepo[] = [];
afterEach(() => {
  for (const r of open.splice(0)) r.cleanup();
});
function example(): TempRepo {
  const repo = makeExampleRepo();
  open.push(repo);
  return repo;
}

const codes = (diagnostics: readonly { code: string; file?: string; line?: number; revision?: string }[]) =>
  diagnostics.map((d) => [d.code, d.file, d.line, d.revision ?? null]);

describe('a folder named service.yaml (TW1017)', () => {
  it.each([true, false])('is an error at its path in the worktree (cache %s), empty or not', async (cache) => {
    const repo = example();
    fs.mkdirSync(path.join(repo.dir, 'services/users/service.yaml'), { recursive: true });
    const empty = await runValidate({ cwd: repo.dir, cache });
    expect(empty.ok).toBe(false);
    expect(codes(empty.diagnostics)).toEqual([['TW1017', 'services/users/service.yaml', 1, null]]);

    repo.write('services/users/service.yaml/routes.yaml', 'routes: []\n');
    repo.commit('users');
    const holding = await runValidate({ cwd: repo.dir, cache });
    expect(holding.diagnostics.filter((d) => d.severity === 'error').map((d) => [d.code, d.file])).toEqual([['TW1017', 'services/users/service.yaml']]);
  });

  it('is an error at a revision that holds one', async () => {
    const repo = example();
    repo.write('services/users/service.yaml/service.yaml', 'name: users\n');
    repo.commit('users, one folder too deep');
    const result = await runValidate({ cwd: repo.dir, rev: 'HEAD' });
    expect(result.diagnostics.filter((d) => d.severity === 'error').map((d) => [d.code, d.file, d.revision])).toEqual([['TW1017', 'services/users/service.yaml', 'HEAD']]);
  });
});

describe('an overlay for a service that does not exist (TW3019)', () => {
  it('is an error at the overlay with the service meant; compile fails too', async () => {
    const repo = example();
    repo.write('gateway-groups/staging/services/petstor.yaml', 'hosts: [petstore.example.com]\n');
    const validated = await runValidate({ cwd: repo.dir });
    expect(validated.ok).toBe(false);
    expect(codes(validated.diagnostics)).toEqual([['TW3019', 'gateway-groups/staging/services/petstor.yaml', 1, null]]);
    expect(validated.diagnostics[0]!.hint).toBe('Did you mean petstore? Then rename this file to gateway-groups/staging/services/petstore.yaml.');
    const compiled = await runCompile({ cwd: repo.dir, groups: ['staging'] });
    expect(compiled.ok).toBe(false);
    expect(fs.existsSync(path.join(repo.dir, 'dist'))).toBe(false);
  });

  it('an overlay of an existing service the group does not publish stays a warning (TW3011)', async () => {
    const repo = example();
    repo.write('services/users/service.yaml', 'name: users\nupstream:\n  nodes:\n    - host: 10.0.0.1\n      port: 80\nroutes:\n  - name: home\n    uris: [/users]\n');
    repo.write('gateway-groups/staging/services/users.yaml', 'hosts: [users.example.com]\n');
    const validated = await runValidate({ cwd: repo.dir });
    expect(validated.ok).toBe(true);
    expect(codes(validated.diagnostics)).toEqual([['TW3011', 'gateway-groups/staging/services/users.yaml', 1, null]]);
  });
});

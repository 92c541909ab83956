/**
 * The bundled example as a repository that tagway writes to: the example repo (test/support/
 * example-repo.ts) with a configured identity, and the options every writing command needs to
 * run hermetically — a home folder of its own (no machine git config), a fixed clock.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach } from 'vitest';
import type { WriteFs } from '../../src/git/write.js';
import { makeExampleRepo, PROJECT_ROOT } from './example-repo.js';
import { makeTempDir, type TempRepo } from './git-repo.js';

export const OPERATOR = { name: 'Ada Operator', email: 'ada@example.com' } as const;

export interface VersionRepo {
  readonly repo: TempRepo;
  /** cwd, env (isolated HOME, no system config) and a fixed `now`; spread into run* options. */
  readonly base: { readonly cwd: string; readonly env: Readonly<Record<string, string>>; readonly now: Date };
  cleanup(): void;
}

/** `now` is fixed (2024-02-01T10:00Z), so the same steps give the same tag and commit ids. */
export function makeVersionRepo(options: { readonly identity?: boolean } = {}): VersionRepo {
  const repo = makeExampleRepo();
  const home = makeTempDir('tagway-home-');
  if (options.identity !== false) {
    repo.git('config', 'user.name', OPERATOR.name);
    repo.git('config', 'user.email', OPERATOR.email);
  }
  return {
    repo,
    base: { cwd: repo.dir, env: { HOME: home.dir, GIT_CONFIG_NOSYSTEM: '1' }, now: new Date('2024-02-01T10:00:00Z') },
    cleanup() {
      repo.cleanup();
      home.cleanup();
    },
  };
}

/**
 * The version repositories of a test file, each removed after its test: call once at the top of
 * the file (`const setup = versionRepos();`), then `setup()` in each test.
 */
export function versionRepos(): (options?: { readonly identity?: boolean }) => VersionRepo {
  const open: VersionRepo[] = [];
  afterEach(() => {
    for (const r of open.splice(0)) r.cleanup();
  });
  return (options = {}) => {
    const r = makeVersionRepo(options);
    open.push(r);
    return r;
  };
}

/**
 * Runs the built CLI (`bin/run.js`) in the repository with only PATH and its isolated HOME from
 * the environment (in the project's folder without one).
 */
export function runVersionCli(r: VersionRepo | null, ...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const env: Record<string, string> = { PATH: process.env['PATH'] ?? '', NO_COLOR: '1', ...(r?.base.env ?? {}) };
  const run = spawnSync(process.execPath, [path.join(PROJECT_ROOT, 'bin/run.js'), ...args], { cwd: r?.repo.dir ?? PROJECT_ROOT, env, encoding: 'utf8' });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** Appends a route to petstore's template and commits it. */
export function addPetstoreRoute(repo: TempRepo, name: string, uri: string): string {
  repo.write('services/petstore/service.yaml', `${repo.read('services/petstore/service.yaml')}  - name: ${name}\n    uris: [${uri}]\n    methods: [GET]\n`);
  return repo.commit(`petstore: add ${name}`);
}

/** Everything a refused or failed command must leave unchanged. */
export function repoState(repo: TempRepo): unknown {
  return {
    refs: repo.git('for-each-ref', '--format=%(refname) %(objectname)'),
    head: repo.git('rev-parse', 'HEAD'),
    status: repo.git('status', '--porcelain=v1', '--untracked-files=all'),
    staging: repo.read('gateway-groups/staging/group.yaml'),
    production: repo.read('gateway-groups/production/group.yaml'),
  };
}

/** node:fs with every operation `match` selects failing with EIO. */
export function failingFs(match: (op: string, file: string) => boolean): WriteFs {
  const real = fs.promises;
  const promises = new Proxy(real, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) =>
        match(String(prop), String(args[0]))
          ? Promise.reject(Object.assign(new Error(`injected failure: ${String(prop)} ${String(args[0])}`), { code: 'EIO' }))
          : (value as (...a: unknown[]) => unknown).apply(target, args);
    },
  });
  return { promises };
}

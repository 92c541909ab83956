/**
 * What the command line loads before it does any work. `--version` and `--help` load no module of
 * tagway (the commands' help comes from oclif.manifest.json, written by the build), and a validate
 * of a clean repository loads neither ajv's schema compiler (the build's validators are compiled
 * ahead of time) nor the positioned YAML parser (positions are parsed only for a finding), nor
 * isomorphic-git while no git object is read (a repository without version tags), nor anything
 * of sync. Runs the built CLI with test/support/load-recorder.mjs, which lists every
 * module the process loads.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from './support/example-repo.js';
import { makeTempDir } from './support/git-repo.js';

const BIN = path.join(PROJECT_ROOT, 'bin/run.js');
const RECORDER = path.join(PROJECT_ROOT, 'test/support/load-recorder.mjs');
const DIST = `${path.join(PROJECT_ROOT, 'dist')}${path.sep}`;

let temp: { readonly dir: string; cleanup(): void };
beforeAll(() => {
  temp = makeTempDir();
});
afterAll(() => temp.cleanup());

let runs = 0;
/** Runs `tagway <args>` in `cwd`; its exit status and the files of the modules it loaded. */
function loadedBy(args: readonly string[], cwd: string): { code: number | null; stdout: string; modules: string[] } {
  const record = path.join(temp.dir, `loaded-${++runs}.txt`);
  const run = spawnSync(process.execPath, ['--import', RECORDER, BIN, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', TAGWAY_LOAD_RECORD: record },
  });
  const modules = fs.existsSync(record) ? [...new Set(fs.readFileSync(record, 'utf8').split('\n').filter(Boolean))] : [];
  return { code: run.status, stdout: run.stdout, modules };
}

const ofTagway = (modules: readonly string[]) => modules.filter((m) => m.startsWith(DIST));
const ofPackage = (modules: readonly string[], name: string) => modules.filter((m) => m.includes(`${path.sep}node_modules${path.sep}${name}${path.sep}`));

describe('start-up', () => {
  it('--version loads no module of tagway', () => {
    const { code, stdout, modules } = loadedBy(['--version'], temp.dir);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^tagway\/\d+\.\d+\.\d+/);
    expect(modules.length).toBeGreaterThan(0);
    expect(ofTagway(modules)).toEqual([]);
    // oclif's check of its own engines field, which loads all of semver, is left out (bin/run.js).
    expect(ofPackage(modules, 'semver')).toEqual([]);
  });

  it('--help, and the help of a command, load no module of tagway', () => {
    for (const args of [['--help'], ['validate', '--help'], ['sync', '--help']]) {
      const { code, stdout, modules } = loadedBy(args, temp.dir);
      expect(code).toBe(0);
      expect(stdout).toContain('USAGE');
      expect(ofTagway(modules)).toEqual([]);
    }
  });

  it('validate of a clean repository loads what validating needs, and no schema compiler, positioned parser or sync code', () => {
    const repo = path.join(temp.dir, 'config');
    expect(loadedBy(['init', repo], temp.dir).code).toBe(0);
    const { code, modules } = loadedBy(['validate', '--draft'], repo);
    expect(code).toBe(0);
    expect(ofTagway(modules)).toContain(path.join(DIST, 'app/compile.js'));
    expect(ofTagway(modules).filter((m) => m.startsWith(path.join(DIST, 'sync')))).toEqual([]);
    expect(ofPackage(modules, 'ajv').filter((m) => !m.includes(`${path.sep}runtime${path.sep}`) && !m.endsWith('package.json'))).toEqual([]);
    expect(ofPackage(modules, 'yaml').filter((m) => !m.endsWith('package.json'))).toEqual([]);
    expect(ofPackage(modules, 'isomorphic-git')).toEqual([]);
    expect(ofPackage(modules, 'undici')).toEqual([]);
  });

  it('a command marks when its work starts, for the benchmark to read', () => {
    const repo = path.join(temp.dir, 'marked');
    expect(loadedBy(['init', repo], temp.dir).code).toBe(0);
    const mark = path.join(temp.dir, 'mark');
    const run = spawnSync(process.execPath, ['--import', path.join(PROJECT_ROOT, 'bench/work-mark.mjs'), BIN, 'validate', '--draft'], {
      cwd: repo,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1', TAGWAY_BENCH_MARK: mark },
    });
    expect(run.status).toBe(0);
    expect(Number(fs.readFileSync(mark, 'utf8'))).toBeGreaterThan(0);
  });
});

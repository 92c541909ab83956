/**
 * A pull request can put anything into the repository: links to /proc/self/environ or to a file
 * outside the checkout, linked folders, FIFOs, links committed at a tag. Whatever tagway refuses
 * to read it must never show (code frames), hash or cache either, in any command or format.
 * Canary strings sit in the environment and in an outside file; no output and no file tagway
 * writes may hold them, while each finding still names the file, line and column.
 * Runs the built CLI (`npm test` builds first).
 */
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gitBlobId } from '../src/load/blob-id.js';
import { expectCleanFiles, expectCleanRun, expectFinding, FINDINGS_RUNS, runTagway } from './support/canary.js';
import type { CliRun } from './support/canary.js';
import { makeExampleRepo } from './support/example-repo.js';
import type { TempRepo } from './support/git-repo.js';
import { makeTempDir } from './support/git-repo.js';
const ID = randomBytes(6).toString('hex');
const ENV_NAME = `TAGWAY_CANARY_${ID.toUpperCase()}`;
const ENV_CANARY = `canary-env-${ID}`;
const FILE_CANARY = `canary-file-${ID}`;
const CANARIES = [ENV_CANARY, FILE_CANARY];
const OUTSIDE_TEXT = `name: ${FILE_CANARY}\ndescription: ${FILE_CANARY}\nroutes: []\n`;

function tagway(args: readonly string[], cwd: string): Promise<CliRun> {
  return runTagway(args, cwd, { [ENV_NAME]: ENV_CANARY });
}

/** What must never appear: the canaries, and the outside file's blob id and digest (a cache key would be one). */
const FORBIDDEN = [...CANARIES, gitBlobId(Buffer.from(OUTSIDE_TEXT)), createHash('sha256').update(OUTSIDE_TEXT).digest('hex')];

function expectClean(run: CliRun, label: string, repo: TempRepo): void {
  expectCleanRun(run, label, FORBIDDEN);
  expectCleanFiles(repo.dir, FORBIDDEN);
}

/** The command lines of every command and format that prints findings. */
const RUNS: readonly (readonly string[])[] = [...FINDINGS_RUNS, ['validate', '--draft']];

let outside: { dir: string; cleanup(): void };
beforeAll(() => {
  outside = makeTempDir('tagway-outside-');
  fs.writeFileSync(path.join(outside.dir, 'secret.yaml'), OUTSIDE_TEXT);
  fs.mkdirSync(path.join(outside.dir, 'services/petstore'), { recursive: true });
  fs.writeFileSync(path.join(outside.dir, 'services/petstore/service.yaml'), OUTSIDE_TEXT);
});
afterAll(() => outside.cleanup());

describe('a template and an overlay linked to /proc/self/environ and to a file outside the repository', () => {
  let repo: TempRepo;
  beforeAll(() => {
    repo = makeExampleRepo();
    repo.write('services/petstore/service.yaml', { symlink: '/proc/self/environ' });
    repo.write('gateway-groups/staging/services/petstore.yaml', { symlink: path.join(outside.dir, 'secret.yaml') });
  });
  afterAll(() => repo.cleanup());

  for (const args of RUNS) {
    it(`tagway ${args.join(' ')}: names both files, shows neither`, async () => {
      const run = await tagway(args, repo.dir);
      expectClean(run, args.join(' '), repo);
      expect(run.code).toBe(1);
      for (const file of ['services/petstore/service.yaml', 'gateway-groups/staging/services/petstore.yaml']) {
        // compile, diff and sync report only what the groups are compiled from: they run petstore's tag.
        if (args[0] !== 'validate' && file.startsWith('services/')) continue;
        expectFinding(run, args, 'TW1004', file, 1, 1);
      }
    });
  }
});

describe('linked folders and a FIFO', () => {
  let repo: TempRepo;
  beforeAll(() => {
    repo = makeExampleRepo();
    repo.remove('services');
    repo.write('services', { symlink: path.join(outside.dir, 'services') });
    repo.remove('gateway-groups/staging/services');
    repo.write('gateway-groups/staging/services', { symlink: outside.dir });
    repo.remove('gateway-groups/production/services/orders.yaml');
    const fifo = spawnSync('mkfifo', [path.join(repo.dir, 'gateway-groups/production/services/orders.yaml')]);
    expect(fifo.status).toBe(0);
  });
  afterAll(() => repo.cleanup());

  for (const args of [['validate'], ['validate', '--format', 'json'], ['compile'], ['diff', '--format', 'markdown']]) {
    it(`tagway ${args.join(' ')}: reports them without following or waiting`, async () => {
      const run = await tagway(args, repo.dir);
      expectClean(run, args.join(' '), repo);
      const printed = run.stdout + run.stderr;
      expect(printed).toContain('TW1004');
      expect(printed).toContain('services');
      expect(printed).toContain('TW1015');
      expect(printed).toContain('gateway-groups/production/services/orders.yaml');
    });
  }
});

describe('links committed at a tag (mode 120000)', () => {
  let repo: TempRepo;
  beforeAll(() => {
    repo = makeExampleRepo();
    repo.write('services/petstore/service.yaml', { symlink: '/proc/self/environ' });
    repo.write('gateway-groups/staging/services/petstore.yaml', { symlink: '../../../../outside/secret.yaml' });
    repo.write('services/catalog/service.yaml', { symlink: path.join(outside.dir, 'secret.yaml') });
    repo.commit('links');
    repo.tag('petstore/v1.2.0', { message: 'petstore 1.2.0' });
    expect(repo.git('ls-tree', 'HEAD', 'services/petstore/service.yaml')).toMatch(/^120000 /);
  });
  afterAll(() => repo.cleanup());

  const runs = [
    ['validate', '--rev', 'HEAD'],
    ['validate', '--rev', 'petstore/v1.2.0', '--format', 'json'],
    ['validate', '--format', 'github'],
    ['compile', '--rev', 'HEAD'],
    ['sync', '--group', 'staging', '--rev', 'HEAD'],
    ['diff', '--from', 'HEAD~1', '--to', 'HEAD'],
    ['diff', '--from', 'HEAD~1', '--to', 'HEAD', '--format', 'markdown'],
  ];
  for (const args of runs) {
    it(`tagway ${args.join(' ')}: the link's target is never followed`, async () => {
      const run = await tagway(args, repo.dir);
      expectClean(run, args.join(' '), repo);
      expect(run.code).toBe(1);
      expect(run.stdout + run.stderr).toMatch(/TW1004|TW3015/);
    });
  }
});

describe('files the load step accepted', () => {
  it('are still framed, from the bytes read: a YAML syntax error shows its line', async () => {
    const repo = makeExampleRepo({ 'gateway-groups/staging/services/orders.yaml': 'hosts: [orders.staging.example.com\nupstream_nodes: 1\n' });
    try {
      const run = await tagway(['validate'], repo.dir);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/gateway-groups\/staging\/services\/orders\.yaml:\d+:\d+ error .*\[TW1005\]/);
      expect(run.stderr).toContain('| hosts: [orders.staging.example.com');
    } finally {
      repo.cleanup();
    }
  });
});

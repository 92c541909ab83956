/**
 * The command line as a user meets it: `--help` of every command, and exit codes 0 / 1 / 2.
 * Runs the built CLI (`npm test` builds first).
 */
import { spawnSync } from 'node:child_process';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeExampleRepo, PROJECT_ROOT } from './support/example-repo.js';
import type { TempRepo } from './support/git-repo.js';
import { makeTempDir } from './support/git-repo.js';

const BIN = path.join(PROJECT_ROOT, 'bin/run.js');

function tagway(args: string[], cwd: string) {
  const run = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

function commands(): string[] {
  return fs
    .readdirSync(path.join(PROJECT_ROOT, 'src/cli/commands'))
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .map((f) => f.slice(0, -3))
    .sort();
}

let repo: TempRepo;
beforeAll(() => {
  repo = makeExampleRepo();
});
afterAll(() => repo.cleanup());

describe('the command line', () => {
  it('lists every command in the top-level help', () => {
    const { code, stdout } = tagway(['--help'], repo.dir);
    expect(code).toBe(0);
    for (const command of commands()) expect(stdout).toContain(command);
  });

  for (const command of commands()) {
    it(`${command} --help shows usage, flags and examples`, () => {
      const { code, stdout } = tagway([command, '--help'], repo.dir);
      expect(code).toBe(0);
      expect(stdout).toContain('USAGE');
      expect(stdout).toContain('EXAMPLES');
      expect(stdout).not.toMatch(/undefined/);
    });
  }

  it('an unknown command exits 2 naming the closest command, and runs nothing', () => {
    const typo = tagway(['sycn', '--group', 'staging'], repo.dir);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toBe('error: there is no command `sycn`\n  hint: Did you mean `tagway sync`? `tagway --help` lists every command.\n');
    expect(typo.stdout).toBe('');
    const far = tagway(['florp'], repo.dir);
    expect(far.code).toBe(2);
    expect(far.stderr).toContain('hint: Commands: agent, autocomplete, compile, diff,');
  });

  it('validate: 0 on a clean repository', () => {
    expect(tagway(['validate'], repo.dir).code).toBe(0);
  });

  it('validate: 1 on findings, with file:line:column and a hint', () => {
    const broken = makeExampleRepo({ 'services/orders/service.yaml': fs.readFileSync(path.join(PROJECT_ROOT, 'services/orders/service.yaml'), 'utf8').replace('type: chash', 'type: chsh') });
    try {
      const human = tagway(['validate'], broken.dir);
      expect(human.code).toBe(1);
      expect(human.stderr).toMatch(/services\/orders\/service\.yaml:\d+:\d+ error/);
      expect(human.stderr).toContain('hint: Did you mean `chash`?');
      const json = tagway(['validate', '--format', 'json'], broken.dir);
      expect(json.code).toBe(1);
      expect(JSON.parse(json.stdout)[0]).toMatchObject({ code: 'TW2003', file: 'services/orders/service.yaml' });
      const github = tagway(['validate', '--format', 'github'], broken.dir);
      expect(github.stdout).toMatch(/^::error file=services\/orders\/service\.yaml,line=\d+,col=\d+,title=tagway TW2003::/);
    } finally {
      broken.cleanup();
    }
  });

  it('2 outside a git repository, on an unknown revision, and on an unknown flag', () => {
    const temp = makeTempDir();
    try {
      const outside = tagway(['validate'], temp.dir);
      expect(outside.code).toBe(2);
      expect(outside.stderr).toContain('not a git repository');
    } finally {
      temp.cleanup();
    }
    const rev = tagway(['validate', '--rev', 'no-such-branch'], repo.dir);
    expect(rev.code).toBe(2);
    expect(rev.stderr).toContain('no-such-branch');
    const bogus = tagway(['compile', '--bogus'], repo.dir);
    expect(bogus.code).toBe(2);
    expect(bogus.stderr.startsWith('error: Nonexistent flag: --bogus\n  hint: see `tagway compile --help`\n')).toBe(true);
    // A mistyped flag gets the one meant.
    const typo = tagway(['validate', '--grop', 'staging'], repo.dir);
    expect(typo.code).toBe(2);
    expect(typo.stderr.startsWith('error: Nonexistent flag: --grop\n  hint: Did you mean `--group`? Or see `tagway validate --help`.\n')).toBe(true);
    expect(tagway(['validate', '--format', 'xml'], repo.dir).code).toBe(2);
  });

  it('compile: 0 and the paths of what it wrote; json output is machine-readable', () => {
    const human = tagway(['compile', '--out', 'cli-out'], repo.dir);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain(path.join('cli-out', 'staging', 'snapshot.json'));
    const json = tagway(['compile', '--out', 'cli-out', '--format', 'json'], repo.dir);
    expect(json.code).toBe(0);
    const parsed = JSON.parse(json.stdout);
    expect(parsed.groups.map((g: { group: string }) => g.group)).toEqual(['production', 'staging']);
    expect(parsed.groups.every((g: { changed: boolean }) => g.changed === false)).toBe(true);
  });

  it("init: the next steps it prints run as printed, with tagway not on PATH", () => {
    const temp = makeTempDir();
    try {
      const withoutTagway = (process.env['PATH'] ?? '').split(path.delimiter).filter((dir) => dir !== '' && !fs.existsSync(path.join(dir, 'tagway')));
      const env = { ...process.env, NO_COLOR: '1', PATH: withoutTagway.join(path.delimiter) };
      const init = spawnSync(process.execPath, [BIN, 'init', 'config'], { cwd: temp.dir, encoding: 'utf8', env });
      expect(init.status).toBe(0);
      const steps = init.stdout.slice(init.stdout.indexOf('next:\n') + 'next:\n'.length).split('\n').map((line) => line.trim());
      const cd = steps.find((line) => line.startsWith('cd '));
      const validate = steps.find((line) => line.endsWith(' validate --draft'));
      expect(cd).toBe('cd config');
      const run = spawnSync('sh', ['-c', `${cd} && ${validate}`], { cwd: temp.dir, encoding: 'utf8', env });
      expect(run.stderr).toContain('configuration is valid');
      expect(run.status).toBe(0);
    } finally {
      temp.cleanup();
    }
  });

  it("init --example: the certificate step it prints makes the files staging's SSL file names", () => {
    const temp = makeTempDir();
    try {
      const init = spawnSync(process.execPath, [BIN, 'init', 'example', '--example'], { cwd: temp.dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
      expect(init.status).toBe(0);
      const step = init.stdout.split('\n').find((line) => line.includes(' -keyout tls/staging.key'))!.trim().replace(/\s+# .*$/, '');
      const run = spawnSync('sh', ['-c', step], { cwd: path.join(temp.dir, 'example'), encoding: 'utf8' });
      expect(run.status).toBe(0);
      const cert = new X509Certificate(fs.readFileSync(path.join(temp.dir, 'example', 'tls', 'staging.crt')));
      expect(cert.checkPrivateKey(createPrivateKey(fs.readFileSync(path.join(temp.dir, 'example', 'tls', 'staging.key'))))).toBe(true);
      // The names it is made for are the SNIs of the SSL file.
      const ssl = fs.readFileSync(path.join(temp.dir, 'example', 'gateway-groups', 'staging', 'ssls', 'staging.yaml'), 'utf8');
      const snis = [...ssl.matchAll(/^ {2}- (\S+)$/gm)].map((m) => `DNS:${m[1]}`);
      expect(cert.subjectAltName?.split(', ')).toEqual(snis);
    } finally {
      temp.cleanup();
    }
  });

  it('autocomplete: bash completes the commands and their flags', () => {
    const cache = makeTempDir();
    try {
      const env = { ...process.env, NO_COLOR: '1', XDG_CACHE_HOME: cache.dir };
      const setup = spawnSync(process.execPath, [BIN, 'autocomplete', 'bash'], { cwd: repo.dir, encoding: 'utf8', env });
      expect(setup.status).toBe(0);
      expect(setup.stdout).toContain('tagway autocomplete script bash');
      const functions = path.join(cache.dir, 'tagway/autocomplete/functions/bash/tagway.bash');
      const script = fs.readFileSync(functions, 'utf8');
      for (const command of commands()) expect(script).toMatch(new RegExp(`^${command} .*--cwd`, 'm'));
      const complete = (line: string) => {
        const words = line.split(' ');
        const bash = `source ${JSON.stringify(functions)}; COMP_WORDS=(${words.join(' ')}); COMP_CWORD=${words.length - 1}; COMP_LINE=${JSON.stringify(line)}; _tagway_autocomplete; echo "\${COMPREPLY[@]}"`;
        return spawnSync('bash', ['-c', bash], { encoding: 'utf8' }).stdout.trim();
      };
      expect(complete('tagway vali')).toBe('validate');
      expect(complete('tagway validate --dr')).toBe('--draft');
    } finally {
      cache.cleanup();
    }
  });

  it('compile: an unknown --group is a finding that names the groups there are', () => {
    const { code, stderr } = tagway(['compile', '--group', 'qa'], repo.dir);
    expect(code).toBe(1);
    expect(stderr).toContain('production, staging');
  });
});

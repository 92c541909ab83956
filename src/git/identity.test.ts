import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeRepo, makeTempDir, type TempRepo } from '../../test/support/git-repo.js';
import { tracked } from '../../test/support/track.js';
import { parseGitConfig, parsePerson, readIdentity } from './identity.js';
import { openRepo } from './repo.js';

const track = tracked();

/** A home folder of its own, so the machine's ~/.gitconfig never takes part. */
function isolatedEnv(extra: Record<string, string> = {}): { env: Record<string, string>; home: string } {
  const home = track(makeTempDir('tagway-home-')).dir;
  return { env: { HOME: home, GIT_CONFIG_NOSYSTEM: '1', ...extra }, home };
}

describe('parsePerson', () => {
  it.each([
    ['Ada Lovelace <ada@example.com>', { name: 'Ada Lovelace', email: 'ada@example.com' }],
    ['  Ada   <ada@example.com>  ', { name: 'Ada', email: 'ada@example.com' }],
    ['ada@example.com', null],
    ['<ada@example.com>', null],
    ['Ada <>', null],
    ['Ada <a<b>', null],
  ])('%j', (text, expected) => {
    expect(parsePerson(text)).toEqual(expected);
  });
});

describe('parseGitConfig', () => {
  it('reads sections, subsections, quotes, escapes, comments and continuations as git does', () => {
    const text = [
      '# comment',
      '[user]',
      '\tname = "Ada  Lovelace" ; trailing comment',
      '\temail = ada@example.com # another',
      '[includeIf "gitdir:~/work/"]',
      '\tpath = work.inc',
      '[Core]',
      '\tBare',
      '\tlong = a\\',
      'b "c\\td"',
      '[section.Sub]',
      '\tkey = v',
    ].join('\n');
    expect(parseGitConfig(text)).toEqual([
      { key: 'user.name', value: 'Ada  Lovelace' },
      { key: 'user.email', value: 'ada@example.com' },
      { key: 'includeif.gitdir:~/work/.path', value: 'work.inc' },
      { key: 'core.bare', value: null },
      { key: 'core.long', value: 'ab c\td' },
      { key: 'section.sub.key', value: 'v' },
    ]);
  });
});

describe('readIdentity', () => {
  function repoWith(config: string[][] = []): TempRepo {
    const repo = track(makeRepo());
    for (const [key, value] of config) repo.git('config', key!, value!);
    return repo;
  }

  it('finds user.name and user.email in the repository config, as `git var GIT_AUTHOR_IDENT` does', async () => {
    const repo = repoWith([
      ['user.name', 'Repo Person'],
      ['user.email', 'repo@example.com'],
    ]);
    const { env } = isolatedEnv();
    const identity = await readIdentity(await openRepo(repo.dir), env);
    expect(identity).toEqual({ author: { name: 'Repo Person', email: 'repo@example.com' }, committer: { name: 'Repo Person', email: 'repo@example.com' } });
  });

  it('falls back to the global file (~/.gitconfig), and the repository overrides it', async () => {
    const repo = repoWith([['user.email', 'repo@example.com']]);
    const { env, home } = isolatedEnv();
    fs.writeFileSync(path.join(home, '.gitconfig'), '[user]\n\tname = Global Person\n\temail = global@example.com\n');
    const identity = await readIdentity(await openRepo(repo.dir), env);
    expect(identity.author).toEqual({ name: 'Global Person', email: 'repo@example.com' });
  });

  it('reads $GIT_CONFIG_GLOBAL and files it includes, and includeIf gitdir: when the repository matches', async () => {
    const repo = repoWith();
    const { env, home } = isolatedEnv();
    const global = path.join(home, 'custom.gitconfig');
    fs.writeFileSync(global, `[include]\n\tpath = names.inc\n[includeIf "gitdir:${path.dirname(repo.dir)}/"]\n\tpath = ~/mail.inc\n`);
    fs.writeFileSync(path.join(home, 'names.inc'), '[user]\n\tname = Included Person\n');
    fs.writeFileSync(path.join(home, 'mail.inc'), '[user]\n\temail = included@example.com\n');
    const identity = await readIdentity(await openRepo(repo.dir), { ...env, GIT_CONFIG_GLOBAL: global });
    expect(identity.author).toEqual({ name: 'Included Person', email: 'included@example.com' });
    // The same identity git itself finds there.
    const gitIdent = runGitWith(repo.dir, { ...env, GIT_CONFIG_GLOBAL: global }, ['var', 'GIT_AUTHOR_IDENT']);
    expect(gitIdent).toMatch(/^Included Person <included@example\.com> /);
  });

  it('lets GIT_AUTHOR_* and GIT_COMMITTER_* override the configuration', async () => {
    const repo = repoWith([
      ['user.name', 'Repo Person'],
      ['user.email', 'repo@example.com'],
    ]);
    const { env } = isolatedEnv({ GIT_AUTHOR_NAME: 'Env Author', GIT_COMMITTER_EMAIL: 'env-committer@example.com' });
    const identity = await readIdentity(await openRepo(repo.dir), env);
    expect(identity.author).toEqual({ name: 'Env Author', email: 'repo@example.com' });
    expect(identity.committer).toEqual({ name: 'Repo Person', email: 'env-committer@example.com' });
  });

  it('returns null rather than inventing an identity when none is configured', async () => {
    const repo = repoWith();
    const { env } = isolatedEnv();
    expect(await readIdentity(await openRepo(repo.dir), env)).toEqual({ author: null, committer: null });
  });
});

/** The git CLI with exactly `env` (plus PATH): no inherited GIT_* variables, no machine config. */
function runGitWith(cwd: string, env: Record<string, string>, args: string[]): string {
  return execFileSync('git', args, { cwd, env: { PATH: process.env['PATH'] ?? '', ...env }, encoding: 'utf8' }).trim();
}

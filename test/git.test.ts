/**
 * The temporary-repository helper every git-backed test of the project relies on: it must give
 * the same object ids on every machine and run, whatever the machine's git configuration.
 */
import { describe, expect, it } from 'vitest';
import { listVersionTags, openRepo, resolveRevision } from '../src/git/index.js';
import { cloneRepo, makeRepo, type TempRepo } from './support/git-repo.js';
import { tracked } from './support/track.js';

const track = tracked();

function build(): TempRepo {
  const repo = track(makeRepo({ files: { 'services/petstore/service.yaml': 'name: petstore\n' } }));
  repo.tag('petstore/v1.0.0', { annotated: true });
  repo.write('services/petstore/service.yaml', 'name: petstore # 2\n');
  repo.commit('second');
  repo.tag('petstore/v1.1.0', { message: 'second release' });
  return repo;
}

describe('test/support/git-repo', () => {
  it('makes the same commits and tags, byte for byte, every time (one minute per commit or tag)', () => {
    const a = build();
    const b = build();
    expect(b.revParse('HEAD')).toBe(a.revParse('HEAD'));
    expect(b.revParse('refs/tags/petstore/v1.1.0')).toBe(a.revParse('refs/tags/petstore/v1.1.0'));
    expect(a.git('log', '--format=%an <%ae> %ad', '--date=iso-strict', '-1')).toBe(
      'Tagway Test <test@tagway.invalid> 2024-01-01T00:03:00+00:00',
    );
  });

  it('ignores git variables of the environment it runs in (e.g. inside a git hook)', () => {
    const saved = { ...process.env };
    const reference = build().revParse('HEAD');
    try {
      process.env['GIT_DIR'] = '/nonexistent';
      process.env['GIT_INDEX_FILE'] = '/nonexistent/index';
      process.env['GIT_AUTHOR_NAME'] = 'Someone Else';
      expect(build().revParse('HEAD')).toBe(reference);
    } finally {
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
    }
  });

  it('clones, shallow or not, into repositories the git module reads', async () => {
    const origin = build();
    const full = track(cloneRepo(origin));
    const shallow = track(cloneRepo(origin, { depth: 1 }));
    expect(shallow.git('rev-parse', '--is-shallow-repository')).toBe('true');
    for (const clone of [full, shallow]) {
      const repo = await openRepo(clone.dir);
      expect(await resolveRevision(repo, 'origin/main')).toBe(origin.revParse('main'));
    }
    expect((await listVersionTags(await openRepo(full.dir))).map((t) => t.tag)).toEqual([
      'petstore/v1.0.0',
      'petstore/v1.1.0',
    ]);
  });

  it('refuses to write outside the repository', () => {
    const repo = track(makeRepo());
    expect(() => repo.write('../escape.txt', 'x')).toThrow(/leaves the repository/);
  });
});

/**
 * Incremental compiles (src/incremental/splice.ts): after a clean compile, a compile that finds a
 * few services changed compiles them alone and splices them into the files written before. It
 * must give exactly what a whole compile without any cache gives — bytes and findings — and
 * must not splice whenever that could differ. Each case checks both: the outcome says whether
 * it spliced (`incremental`), and the files are compared with a compile from scratch.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCompile, runValidate } from '../src/app/compile.js';
import type { CompileOutcome } from '../src/app/compile.js';
import { MAX_SPLICED_SERVICES } from '../src/incremental/splice.js';
import { makeExampleRepo } from './support/example-repo.js';
import type { TempRepo } from './support/git-repo.js';
import { makeSyntheticRepo, overlay, template } from './support/synthetic-repo.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

function synthetic(n: number): TempRepo {
  const repo = makeSyntheticRepo(n);
  repos.push(repo);
  return repo;
}

/** Every file under `out` (of these groups only, when given), by path. */
function files(repo: TempRepo, out: string, groups?: readonly string[]): Record<string, string> {
  const dir = path.join(repo.dir, out);
  const found: Record<string, string> = {};
  for (const group of fs.readdirSync(dir).sort()) {
    if (groups && !groups.includes(group)) continue;
    for (const file of fs.readdirSync(path.join(dir, group)).sort()) found[`${group}/${file}`] = fs.readFileSync(path.join(dir, group, file), 'utf8');
  }
  return found;
}

/**
 * Compiles into `dist` with the cache (as a user would, again and again) and into a fresh folder
 * with no cache at all; both must agree, in files and findings. Returns the cached outcome.
 */
async function compileBoth(repo: TempRepo, groups?: string[]): Promise<CompileOutcome> {
  const selection = groups ? { groups } : {};
  const cached = await runCompile({ cwd: repo.dir, ...selection });
  const fresh = `out-fresh-${Math.random().toString(36).slice(2)}`;
  const plain = await runCompile({ cwd: repo.dir, outDir: fresh, cache: false, ...selection });
  expect(cached.diagnostics).toEqual(plain.diagnostics);
  expect(cached.sources).toEqual(plain.sources);
  expect(cached.ok).toBe(plain.ok);
  expect(cached.snapshots.map((s) => s.digest)).toEqual(plain.snapshots.map((s) => s.digest));
  expect(cached.snapshots.map((s) => s.provenance)).toEqual(plain.snapshots.map((s) => s.provenance));
  if (plain.ok) expect(files(repo, 'dist', plain.snapshots.map((s) => s.group))).toEqual(files(repo, fresh));
  fs.rmSync(path.join(repo.dir, fresh), { recursive: true, force: true });
  return cached;
}

function publish(repo: TempRepo, i: number, version: string, extra: string): void {
  repo.write(`services/svc-${i}/service.yaml`, template(i, extra));
  repo.commit(`svc-${i}: ${version}`);
  repo.tag(`svc-${i}/v${version}`, { message: `svc-${i} ${version}` });
}

describe('a template no group runs is not a compile\'s finding (validate reports it)', () => {
  it('a typo in an unpublished edit neither fails compile nor hides once a tag makes it run', async () => {
    const repo = synthetic(6);
    await compileBoth(repo);
    // Edited in the worktree, not published: both groups still run svc-2 1.0.0.
    repo.write('services/svc-2/service.yaml', template(2).replace('labels:', 'lables: {}\nlabels:'));
    const edited = await compileBoth(repo);
    expect(edited.ok).toBe(true);
    expect(edited.diagnostics).toEqual([]);
    expect(edited.incremental).toEqual(['svc-2']);
    expect((await compileBoth(repo, ['production'])).ok).toBe(true);
    const validated = await runValidate({ cwd: repo.dir });
    expect(validated.diagnostics.map((d) => [d.code, d.file])).toEqual([['TW2001', 'services/svc-2/service.yaml']]);

    // Published: staging's ^1.0 runs it now, and a compile of staging (or of every group) fails.
    repo.commit('svc-2: the typo');
    repo.tag('svc-2/v1.1.0', { message: 'svc-2 1.1.0' });
    const tagged = await compileBoth(repo);
    expect(tagged.ok).toBe(false);
    expect(tagged.diagnostics.map((d) => [d.code, d.file])).toEqual([['TW2001', 'services/svc-2/service.yaml']]);
    expect((await compileBoth(repo, ['production'])).ok).toBe(true);
  });
});

describe('a compile after a few services changed splices them in', () => {
  it('a template published as a new version, an overlay edited, a template drafted but not published', async () => {
    const repo = synthetic(12);
    expect((await compileBoth(repo)).incremental).toBeNull();

    publish(repo, 3, '1.1.0', '\n    priority: 7');
    expect((await compileBoth(repo)).incremental).toEqual(['svc-3']);

    repo.write('gateway-groups/production/services/svc-5.yaml', overlay(5, 'production').replace('port: 80', 'port: 81'));
    repo.write('gateway-groups/staging/services/svc-11.yaml', overlay(11, 'staging').replace('port: 80', 'port: 8443'));
    expect((await compileBoth(repo)).incremental).toEqual(['svc-11', 'svc-5']);

    // Edited in the worktree, not published: the groups still run the tagged version.
    repo.write('services/svc-7/service.yaml', template(7, '\n    priority: 3'));
    expect((await compileBoth(repo)).incremental).toEqual(['svc-7']);

    // Nothing changed: nothing compiled anew, the same files.
    const before = files(repo, 'dist');
    expect((await compileBoth(repo)).incremental).toEqual([]);
    expect(files(repo, 'dist')).toEqual(before);
  });

  it('the first and the last service of every kind, and several at once (one group and all groups)', async () => {
    const repo = synthetic(10);
    await compileBoth(repo, ['staging']);
    // svc-0 and svc-9 hold the first and last pieces of each kind; svc-1 sorts between them.
    publish(repo, 0, '1.1.0', '\n    priority: 2');
    publish(repo, 9, '1.1.0', '\n    priority: 2');
    repo.write('gateway-groups/staging/services/svc-1.yaml', overlay(1, 'staging').replace('hosts: [staging-1.example.com]', 'hosts: [a.example.com, b.example.com]'));
    expect((await compileBoth(repo, ['staging'])).incremental).toEqual(['svc-0', 'svc-1', 'svc-9']);

    await compileBoth(repo);
    publish(repo, 4, '1.2.0', '\n    priority: 9');
    expect((await compileBoth(repo)).incremental).toEqual(['svc-4']);
  });

  it('a new service (its files and tag) that no group publishes yet, and a template removed from the worktree', async () => {
    const repo = synthetic(6);
    await compileBoth(repo);
    repo.write('services/svc-20/service.yaml', template(20));
    repo.write('gateway-groups/staging/services/svc-20.yaml', overlay(20, 'staging'));
    repo.commit('svc-20');
    repo.tag('svc-20/v1.0.0', { message: 'svc-20 1.0.0' });
    const added = await compileBoth(repo);
    expect(added.incremental).toBeNull(); // its overlay is a finding (TW3011): a whole compile reports it
    expect(added.diagnostics.map((d) => d.code)).toEqual(['TW3011']);

    repo.remove('gateway-groups/staging/services/svc-20.yaml');
    expect((await compileBoth(repo)).incremental).toBeNull(); // the previous compile found something
    repo.remove('services/svc-2/service.yaml');
    expect((await compileBoth(repo)).incremental).toEqual(['svc-2']);
  });

  it("a service's plugin configs: the first of the kind, the first and the last service, changed and removed", async () => {
    const repo = synthetic(10);
    await compileBoth(repo);
    const withConfigs = (i: number, plugins: string) =>
      template(i, '\n    plugin_config: auth').replace('routes:', `plugin_configs:\n  auth:\n    plugins:\n${plugins}  open:\n    plugins: { cors: {} }\nroutes:\n  - name: docs\n    uris: [/docs]\n    plugin_config: open`);
    const publishText = (i: number, version: string, text: string) => {
      repo.write(`services/svc-${i}/service.yaml`, text);
      repo.commit(`svc-${i}: ${version}`);
      repo.tag(`svc-${i}/v${version}`, { message: `svc-${i} ${version}` });
    };
    publishText(3, '1.1.0', withConfigs(3, '      key-auth: {}\n'));
    expect((await compileBoth(repo)).incremental).toEqual(['svc-3']);
    publishText(0, '1.1.0', withConfigs(0, '      key-auth: {}\n'));
    publishText(9, '1.1.0', withConfigs(9, '      basic-auth: {}\n'));
    expect((await compileBoth(repo)).incremental).toEqual(['svc-0', 'svc-9']);
    publishText(3, '1.2.0', withConfigs(3, '      key-auth: { hide_credentials: true }\n'));
    expect((await compileBoth(repo)).incremental).toEqual(['svc-3']);
    publishText(0, '1.2.0', template(0));
    expect((await compileBoth(repo)).incremental).toEqual(['svc-0']);
    expect(fs.readFileSync(path.join(repo.dir, 'dist/staging/apisix.yaml'), 'utf8')).toMatch(/^plugin_configs:\n  - id: svc-3\.auth\n/m);
  });

  it('the same bytes when spliced twice from the same state (determinism)', async () => {
    const repo = synthetic(8);
    await compileBoth(repo);
    publish(repo, 2, '1.0.1', '\n    priority: 5');
    await compileBoth(repo);
    const first = files(repo, 'dist');
    fs.rmSync(path.join(repo.dir, 'dist'), { recursive: true });
    fs.rmSync(path.join(repo.dir, '.tagway'), { recursive: true });
    await compileBoth(repo);
    expect(files(repo, 'dist')).toEqual(first);
  });

  it('a tag moved to another commit: its service is compiled anew from there', async () => {
    const repo = synthetic(4);
    await compileBoth(repo, ['production']);
    // Re-create svc-1/v1.0.0 at a new commit: the pin is unchanged, the tag's target is not.
    repo.write('services/svc-1/service.yaml', template(1, '\n    priority: 6'));
    repo.commit('svc-1 moved');
    repo.git('tag', '-f', '-a', '-m', 'moved', 'svc-1/v1.0.0');
    expect((await compileBoth(repo, ['production'])).incremental).toEqual(['svc-1']);
  });

  it('a version tag deleted: its service goes back to the version its pin now resolves to', async () => {
    const repo = synthetic(5);
    await compileBoth(repo, ['staging']);
    publish(repo, 2, '1.1.0', '\n    priority: 8');
    expect((await compileBoth(repo, ['staging'])).incremental).toEqual(['svc-2']);
    // The loose ref removed (`git tag -d` may also rewrite packed-refs, which a whole compile follows).
    fs.rmSync(path.join(repo.dir, '.git', 'refs', 'tags', 'svc-2', 'v1.1.0'));
    const back = await compileBoth(repo, ['staging']);
    expect(back.incremental).toEqual(['svc-2']);
    expect(back.snapshots[0]!.provenance.services.find((s) => s.name === 'svc-2')!.version).toBe('1.0.0');
  });

  it('on the bundled example', async () => {
    const repo = makeExampleRepo();
    repos.push(repo);
    await compileBoth(repo);
    const overlays = fs.readdirSync(path.join(repo.dir, 'gateway-groups', 'staging', 'services')).sort();
    const file = `gateway-groups/staging/services/${overlays[0]!}`;
    repo.write(file, `${repo.read(file)}# a comment changes the blob, not the objects\n`);
    expect((await compileBoth(repo)).incremental).toEqual([overlays[0]!.replace(/\.yaml$/, '')]);
  });
});

describe('a compile that could come out differently is compiled whole', () => {
  it('when group.yaml or tagway.yaml changed', async () => {
    const repo = synthetic(6);
    await compileBoth(repo);
    repo.write('gateway-groups/staging/group.yaml', repo.read('gateway-groups/staging/group.yaml').replace('svc-1: ^1.0', 'svc-1: 1.0.0'));
    expect((await compileBoth(repo)).incremental).toBeNull();
    expect((await compileBoth(repo)).incremental).toEqual([]);
    repo.write('tagway.yaml', 'plugins: [my-auth]\n');
    expect((await compileBoth(repo)).incremental).toBeNull();
  });

  it('when a shared file changed (every group that includes it), not when a service did', async () => {
    const repo = synthetic(5);
    const shared = 'gateway-groups/_shared/consumers/kiosk.yaml';
    repo.write(shared, 'plugins:\n  key-auth:\n    key: env:KIOSK_KEY\n');
    for (const g of ['production', 'staging']) repo.write(`gateway-groups/${g}/group.yaml`, `${repo.read(`gateway-groups/${g}/group.yaml`)}include: [consumers/kiosk]\n`);
    await compileBoth(repo);
    // A service compiled alone reads no shared file: its groups' includes are no finding then.
    publish(repo, 1, '1.1.0', '\n    priority: 4');
    const spliced = await compileBoth(repo);
    expect(spliced.incremental).toEqual(['svc-1']);
    expect(spliced.snapshots.map((s) => s.apisix.consumers.map((c) => `${c.id}@${c.labels?.['tagway.group']}`))).toEqual([['kiosk@production'], ['kiosk@staging']]);
    repo.write(shared, 'plugins:\n  key-auth:\n    key: env:KIOSK_KEY_2\n');
    const whole = await compileBoth(repo);
    expect(whole.incremental).toBeNull();
    expect(whole.snapshots.map((s) => (s.apisix.consumers[0]!.plugins as { 'key-auth': { key: string } })['key-auth'].key)).toEqual(['env:KIOSK_KEY_2', 'env:KIOSK_KEY_2']);
  });

  it('when a compiled group has an adoption record, checked against its whole snapshot', async () => {
    const repo = synthetic(4);
    repo.write('gateway-groups/staging/adopt.yaml', 'upstreams:\n  u1: svc-1\n');
    expect((await compileBoth(repo)).snapshots.find((s) => s.group === 'staging')!.adopt).toEqual({ upstreams: { u1: 'svc-1' } });
    publish(repo, 2, '1.1.0', '\n    priority: 4');
    const whole = await compileBoth(repo);
    expect(whole.incremental).toBeNull();
    expect(JSON.parse(repo.read('dist/staging/snapshot.json')).adopt).toEqual({ upstreams: { u1: 'svc-1' } });
  });

  it('when the tags were packed (packed-refs is rewritten)', async () => {
    const repo = synthetic(4);
    await compileBoth(repo);
    publish(repo, 1, '1.1.0', '\n    priority: 3');
    repo.git('pack-refs', '--all');
    expect((await compileBoth(repo)).incremental).toBeNull();
    expect((await compileBoth(repo)).incremental).toEqual([]);
  });

  it('when a changed service has a finding, and again until a compile is clean', async () => {
    const repo = synthetic(6);
    await compileBoth(repo);
    repo.write('gateway-groups/staging/services/svc-3.yaml', 'hosts: [a\n');
    const broken = await compileBoth(repo);
    expect(broken.incremental).toBeNull();
    expect(broken.ok).toBe(false);
    expect(broken.diagnostics.map((d) => d.code)).toContain('TW1005');
    repo.write('gateway-groups/staging/services/svc-3.yaml', overlay(3, 'staging'));
    expect((await compileBoth(repo)).incremental).toBeNull(); // the failed compile kept no record
    expect((await compileBoth(repo)).incremental).toEqual([]);
  });

  it("when a changed service's route claims what an unchanged service's route claims (a conflict)", async () => {
    const repo = synthetic(6);
    await compileBoth(repo);
    // svc-2 now answers on svc-4's host and prefix in staging: both match GET /items.
    repo.write(
      'gateway-groups/staging/services/svc-2.yaml',
      overlay(2, 'staging').replace('hosts: [staging-2.example.com]', 'hosts: [staging-4.example.com]\npath_prefix: /svc-4'),
    );
    const conflict = await compileBoth(repo);
    expect(conflict.incremental).toBeNull();
    const conflicts = conflict.diagnostics.filter((d) => d.code === 'TW3009');
    expect(conflicts.length).toBeGreaterThan(0);
    // Each conflict once, at one route, with the other one related.
    for (const d of conflicts) expect([d.file, d.related.map((r) => r.file)]).toEqual(['services/svc-4/service.yaml', ['services/svc-2/service.yaml']]);
  });

  it('when a file it wrote before was edited or removed', async () => {
    const repo = synthetic(5);
    await compileBoth(repo);
    // Same size, and its modification time put back: its change time still tells.
    const file = path.join(repo.dir, 'dist', 'staging', 'apisix.yaml');
    const { atime, mtime } = fs.statSync(file);
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('10.30.1.1', '10.30.1.9'));
    fs.utimesSync(file, atime, mtime);
    publish(repo, 1, '1.1.0', '\n    priority: 4');
    expect((await compileBoth(repo)).incremental).toBeNull();
    fs.rmSync(path.join(repo.dir, 'dist', 'production', 'snapshot.json'));
    publish(repo, 2, '1.1.0', '\n    priority: 4');
    expect((await compileBoth(repo)).incremental).toBeNull();
    publish(repo, 3, '1.1.0', '\n    priority: 4');
    expect((await compileBoth(repo)).incremental).toEqual(['svc-3']);
  });

  it(`when more than ${MAX_SPLICED_SERVICES} services changed`, async () => {
    const n = MAX_SPLICED_SERVICES + 2;
    const repo = synthetic(n);
    await compileBoth(repo, ['staging']);
    for (let i = 0; i < n; i++) repo.write(`gateway-groups/staging/services/svc-${i}.yaml`, overlay(i, 'staging').replace('port: 80', 'port: 82'));
    expect((await compileBoth(repo, ['staging'])).incremental).toBeNull();
  });

  it('when a version tag is a symbolic ref (its own content does not change when its target does)', async () => {
    const repo = synthetic(3);
    repo.git('branch', 'rel');
    repo.git('tag', '-d', 'svc-0/v1.0.0');
    repo.git('symbolic-ref', 'refs/tags/svc-0/v1.0.0', 'refs/heads/rel');
    expect((await compileBoth(repo)).incremental).toBeNull();
    repo.git('checkout', '-q', 'rel');
    repo.write('services/svc-0/service.yaml', template(0, '\n    priority: 5'));
    repo.git('add', 'services/svc-0/service.yaml');
    repo.commit('moved on rel', { staged: true });
    repo.git('checkout', '-q', 'main');
    expect((await compileBoth(repo)).incremental).toBeNull();
  });

  it('when an attributes file sits in the config folders (git\'s listing is not trusted then)', async () => {
    const repo = synthetic(3);
    await compileBoth(repo);
    repo.write('gateway-groups/.gitattributes', '*.yaml text\n');
    repo.commit('attributes');
    expect((await compileBoth(repo)).incremental).toBeNull();
    publish(repo, 1, '1.1.0', '\n    priority: 2');
    expect((await compileBoth(repo)).incremental).toBeNull(); // no record was kept
  });

  it('when a tag\'s commit is missing, and after it arrives', async () => {
    const repo = synthetic(3);
    await compileBoth(repo);
    publish(repo, 0, '1.1.0', '\n    priority: 4');
    const commit = repo.revParse('HEAD');
    repo.git('reset', '-q', '--hard', 'HEAD~1');
    const object = path.join(repo.dir, '.git', 'objects', commit.slice(0, 2), commit.slice(2));
    fs.renameSync(object, `${object}.away`);
    const without = await compileBoth(repo);
    // The tag a range would select cannot be read: reported, rather than the older version run.
    expect(without.ok).toBe(false);
    expect(without.diagnostics.length).toBeGreaterThan(0);
    for (const d of without.diagnostics) expect(d).toMatchObject({ code: 'TW1016', message: expect.stringContaining(`git object ${commit} is missing`) });
    fs.renameSync(`${object}.away`, object);
    const back = await compileBoth(repo);
    expect(back.incremental).toBeNull();
    expect(back.snapshots.find((s) => s.group === 'staging')!.provenance.services[0]!.version).toBe('1.1.0');
  });

  it('reads templates at tags as a whole compile does, replace refs or not', async () => {
    const repo = synthetic(3);
    await compileBoth(repo);
    const original = repo.revParse('HEAD');
    repo.git('checkout', '-q', '--detach');
    repo.write('services/svc-0/service.yaml', template(0, '\n    priority: 9'));
    repo.git('add', 'services/svc-0/service.yaml');
    const replacement = repo.commit('replacement', { staged: true });
    repo.git('checkout', '-q', 'main');
    repo.git('replace', original, replacement);
    repo.write('gateway-groups/production/services/svc-0.yaml', overlay(0, 'production').replace('port: 80', 'port: 81'));
    expect((await compileBoth(repo)).incremental).toEqual(['svc-0']);
  });

  it('never reads or writes a record with the cache turned off', async () => {
    const repo = synthetic(3);
    await runCompile({ cwd: repo.dir, cache: false });
    expect(fs.existsSync(path.join(repo.dir, '.tagway'))).toBe(false);
  });
});

describe('a long run of random changes', () => {
  /** A small deterministic generator (mulberry32): the same sequence of changes every run. */
  function generator(seed: number): (k: number) => number {
    let state = seed;
    return (k) => {
      state = (state + 0x6d2b79f5) | 0;
      let t = Math.imul(state ^ (state >>> 15), 1 | state);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * k);
    };
  }

  for (const groups of [undefined, ['staging']]) {
    it(`gives, after every change, what a compile without any cache gives (${groups ? 'staging' : 'all groups'}; seeded)`, async () => {
      const n = 8;
      const repo = synthetic(n);
      const pick = generator(groups ? 7 : 11);
      const versions = new Map<number, number>();
      let broken: number | null = null;
      const changes: ((i: number) => void)[] = [
        (i) => {
          const v = (versions.get(i) ?? 0) + 1;
          versions.set(i, v);
          publish(repo, i, `1.${v}.0`, `\n    priority: ${pick(9)}`);
        },
        (i) => repo.write(`services/svc-${i}/service.yaml`, template(i, `\n    priority: ${pick(9)}`)), // drafted, not committed
        (i) => repo.write(`gateway-groups/staging/services/svc-${i}.yaml`, overlay(i, 'staging').replace('port: 80', `port: ${8000 + pick(99)}`)),
        (i) => {
          repo.write(`gateway-groups/production/services/svc-${i}.yaml`, overlay(i, 'production').replace('port: 80', `port: ${9000 + pick(99)}`));
          repo.commit(`production svc-${i}`);
        },
        () => repo.commit('everything so far'),
        (i) => {
          // A finding, put right at the next step: a YAML error, or a route conflict with another service.
          const other = (i + 1) % n;
          repo.write(
            `gateway-groups/staging/services/svc-${i}.yaml`,
            pick(2) === 0 ? 'hosts: [broken\n' : overlay(i, 'staging').replace(`hosts: [staging-${i}.example.com]`, `hosts: [staging-${other}.example.com]\npath_prefix: /svc-${other}`),
          );
          broken = i;
        },
      ];
      await compileBoth(repo, groups);
      const taken: string[] = [];
      for (let step = 0; step < 24; step++) {
        if (broken !== null) {
          repo.write(`gateway-groups/staging/services/svc-${broken}.yaml`, overlay(broken, 'staging'));
          broken = null;
        } else {
          changes[pick(changes.length)]!(pick(n));
        }
        const outcome = await compileBoth(repo, groups);
        taken.push(outcome.incremental === null ? 'whole' : 'spliced');
      }
      // The run took both ways, several times each (so it tests the splice, not only the fallback).
      expect(taken.filter((t) => t === 'spliced').length).toBeGreaterThan(5);
      expect(taken.filter((t) => t === 'whole').length).toBeGreaterThanOrEqual(2);
    }, 60_000);
  }
});

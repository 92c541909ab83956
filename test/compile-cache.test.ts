/**
 * The compile cache and the worker threads change how long a compile takes, never what it
 * gives: snapshots byte for byte, and every finding with its position, whether results come from
 * a cold cache, a warm one, worker threads or this thread, and whatever state the cache folder
 * is in. No wall-clock assertions: the benchmark (bench/) is where speed is judged.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runCompile, runValidate } from '../src/app/compile.js';
import { CACHE_DIR, CompileCache, fingerprint, namespace } from '../src/incremental/compile-cache.js';
import type { SourceOptions } from '../src/incremental/input.js';
import { fileKey } from '../src/compile/memo.js';
import type { CompileMemo, UnitRecord } from '../src/compile/memo.js';
import { compile, prefillMemo } from '../src/compile/compile.js';
import { loadCompileInput } from '../src/incremental/input.js';
import type { FileRecord } from '../src/validate/entries.js';
import { makeExampleRepo } from './support/example-repo.js';
import type { TempRepo } from './support/git-repo.js';
import { makeSyntheticRepo, overlay, template } from './support/synthetic-repo.js';
import { makeCertificate, yamlBlock, type TestCertificate } from './support/certificates.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

function track(repo: TempRepo): TempRepo {
  repos.push(repo);
  return repo;
}

/** `n` services, two groups with overlays, one tag per service. */
function syntheticRepo(n: number): TempRepo {
  return track(makeSyntheticRepo(n));
}

/** The bytes of every file a compile wrote, by path under its output folder. */
function outputs(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const group of fs.readdirSync(dir).sort()) {
    for (const file of fs.readdirSync(path.join(dir, group)).sort()) out[`${group}/${file}`] = fs.readFileSync(path.join(dir, group, file), 'utf8');
  }
  return out;
}

async function compileTo(repo: TempRepo, out: string, options: Partial<SourceOptions> = {}): Promise<Record<string, string>> {
  const outcome = await runCompile({ cwd: repo.dir, outDir: out, ...options });
  expect(outcome.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return outputs(path.join(repo.dir, out));
}

const WORKERS = { prefetch: { threads: 3, workerThreshold: 0 } } as const;
const ONE_THREAD = { prefetch: { threads: 1 } } as const;
/** One thread, preparing the services in chunks before compile (as a cold run of a large repository does). */
const CHUNKED = { prefetch: { threads: 1, workerThreshold: 0 } } as const;

function clearCache(repo: TempRepo): void {
  fs.rmSync(path.join(repo.dir, '.tagway'), { recursive: true, force: true });
}

describe('cached and uncached compiles give the same bytes', () => {
  it('on the bundled example: no cache, cold cache, warm cache, worker threads', async () => {
    const repo = track(makeExampleRepo());
    const reference = await compileTo(repo, 'out-plain', { cache: false });
    expect(await compileTo(repo, 'out-cold', ONE_THREAD)).toEqual(reference);
    expect(await compileTo(repo, 'out-warm', ONE_THREAD)).toEqual(reference);
    clearCache(repo);
    expect(await compileTo(repo, 'out-workers', WORKERS)).toEqual(reference);
    expect(await compileTo(repo, 'out-after-workers', ONE_THREAD)).toEqual(reference);
    clearCache(repo);
    expect(await compileTo(repo, 'out-chunked', CHUNKED)).toEqual(reference);
    expect(fs.readFileSync(path.join(repo.dir, CACHE_DIR, '.gitignore'), 'utf8')).toContain('*');
  });

  it('after validate, whose records hold objects checked but not rendered', async () => {
    const repo = track(makeExampleRepo());
    const reference = await compileTo(repo, 'out-plain', { cache: false });
    for (const options of [ONE_THREAD, CHUNKED, WORKERS]) {
      clearCache(repo);
      expect((await runValidate({ cwd: repo.dir, ...options })).ok).toBe(true);
      expect(await compileTo(repo, 'out-after-validate', options)).toEqual(reference);
      expect(await compileTo(repo, 'out-again', options)).toEqual(reference);
    }
  });

  it('on a synthetic repository, after a template is published as a new version, and after a draft', async () => {
    const repo = syntheticRepo(24);
    const first = await compileTo(repo, 'out-cached', WORKERS);
    expect(first).toEqual(await compileTo(repo, 'out-plain', { cache: false }));

    repo.write('services/svc-3/service.yaml', template(3, '\n    priority: 7'));
    repo.commit('svc-3: priority');
    repo.tag('svc-3/v1.1.0', { message: 'svc-3 1.1.0' });
    repo.write('gateway-groups/production/services/svc-5.yaml', overlay(5, 'production').replace('port: 80', 'port: 81'));
    const warm = await compileTo(repo, 'out-warm', ONE_THREAD);
    expect(warm).toEqual(await compileTo(repo, 'out-plain-2', { cache: false }));
    expect(warm['staging/snapshot.json']).not.toEqual(first['staging/snapshot.json']);
    expect(warm['production/apisix.yaml']).not.toEqual(first['production/apisix.yaml']);

    const draft = await compileTo(repo, 'out-draft', { draft: true });
    expect(draft).toEqual(await compileTo(repo, 'out-draft-plain', { draft: true, cache: false }));
  });

  it('at a revision (blobs read from git) as from the worktree', async () => {
    const repo = syntheticRepo(6);
    const plain = await compileTo(repo, 'out-plain', { cache: false, rev: 'HEAD' });
    expect(await compileTo(repo, 'out-cold', { ...WORKERS, rev: 'HEAD' })).toEqual(plain);
    expect(await compileTo(repo, 'out-warm', { rev: 'HEAD' })).toEqual(plain);
  });
});

/** A memo in memory that counts the unit records it is given. */
function countingMemo(): CompileMemo & { unitsSaved: number; units: Map<string, UnitRecord> } {
  const files = new Map<string, FileRecord>();
  const units = new Map<string, UnitRecord>();
  return {
    unitsSaved: 0,
    units,
    file: (key) => files.get(key),
    saveFile: (key, record) => void files.set(key, record),
    unit: (key) => units.get(key),
    saveUnit(key, record) {
      this.unitsSaved++;
      units.set(key, record);
    },
    read: (file) => {
      throw new Error(`${file.path} was given without its bytes`);
    },
  };
}

describe('what the services are prepared with is what compile looks for', () => {
  // A part of the repository (a chunk on this thread, or a worker's) must key each unit as the
  // whole compile does, or the compile finds nothing and prepares every unit again. The example's
  // staging group has a secret manager, which every unit's key names.
  it.each([
    ['published versions', false],
    ['drafts', true],
  ])('every unit a prefill made is found by the compile after it (%s, a group with a secret manager)', async (_, draft) => {
    const repo = track(makeExampleRepo());
    expect(fs.readdirSync(path.join(repo.dir, 'gateway-groups', 'staging', 'secrets')).length).toBeGreaterThan(0);
    const { input } = await loadCompileInput({ cwd: repo.dir, cache: false, draft });
    const memo = countingMemo();
    const services = fs.readdirSync(path.join(repo.dir, 'services')).sort();
    prefillMemo({ ...input, memo }, services);
    const prepared = new Set(memo.units.keys());
    // Every service in both groups.
    expect(prepared.size).toBe(2 * services.length);
    const saved = memo.unitsSaved;
    const result = compile({ ...input, memo });
    expect(result.snapshots.map((s) => s.group)).toEqual(['production', 'staging']);
    expect(memo.unitsSaved).toBe(saved);
    expect(new Set(memo.units.keys())).toEqual(prepared);
    expect(result.snapshots).toEqual(compile(input).snapshots);
  });
});

describe('findings are the same from a cold cache, a warm cache and worker threads', () => {
  let certificate: TestCertificate;
  beforeAll(async () => {
    const day = 24 * 60 * 60 * 1000;
    certificate = await makeCertificate({ names: ['staging-3.example.com'], notBefore: new Date(Date.now() - day), notAfter: new Date(Date.now() + 365 * day) });
  });

  /** A repository with findings of every scope: file, schema, service, route conflicts, repo rules, global rules. */
  function repoWithFindings(): TempRepo {
    const repo = syntheticRepo(8);
    repo.writeAll({
      // staging terminates TLS for one of its hosts: the others are not covered (TW3040 warnings, at each overlay's host)
      'gateway-groups/staging/ssls/site.yaml': `snis: [staging-3.example.com]\n${yamlBlock('cert', certificate.cert)}key: env:SITE_KEY\n`,
      // a file rule (TW3006 warning) in one template, a schema error (TW2001) in another
      'services/svc-1/service.yaml': template(1).replace('upstream:\n  type: chash\n  hash_on: header', 'upstream:\n  type: roundrobin\n  hash_on: header'),
      'services/svc-5/service.yaml': template(5).replace('labels:', 'lables: {}\nlabels:'),
      // route conflict (TW3009) between two services of a group, found through their claims
      'gateway-groups/staging/services/svc-2.yaml': overlay(2, 'staging').replace('hosts: [staging-2.example.com]', 'hosts: [staging-4.example.com]\npath_prefix: /svc-4'),
      // an overlay setting a template field (TW3003), and one for a service that does not exist (TW3019)
      'gateway-groups/production/services/svc-6.yaml': `${overlay(6, 'production')}plugins: {}\n`,
      'gateway-groups/production/services/ghost.yaml': overlay(9, 'production'),
      // a YAML error (TW1005) and an unknown plugin (TW3010)
      'gateway-groups/staging/services/svc-7.yaml': 'hosts: [a\n',
      'services/svc-0/service.yaml': template(0).replace('limit-count:', 'limit-cuont:'),
      // a global rule's plugins also on services and routes (TW3045 warnings, related to each place)
      'gateway-groups/staging/global-rules/edge.yaml': 'plugins:\n  limit-count: { count: 10, time_window: 60, key: remote_addr }\n  proxy-rewrite: { uri: /x }\n',
    });
    return repo;
  }

  it('validate', async () => {
    const repo = repoWithFindings();
    const plain = await runValidate({ cwd: repo.dir, cache: false });
    const codes = new Set(plain.diagnostics.map((d) => d.code));
    for (const code of ['TW2001', 'TW3006', 'TW3009', 'TW3003', 'TW3019', 'TW1005', 'TW3010', 'TW3045', 'TW3040']) expect(codes).toContain(code);
    const cold = await runValidate({ cwd: repo.dir, ...ONE_THREAD });
    const warm = await runValidate({ cwd: repo.dir, ...ONE_THREAD });
    clearCache(repo);
    const workers = await runValidate({ cwd: repo.dir, ...WORKERS });
    const afterWorkers = await runValidate({ cwd: repo.dir });
    clearCache(repo);
    const chunked = await runValidate({ cwd: repo.dir, ...CHUNKED });
    for (const other of [cold, warm, workers, afterWorkers, chunked]) {
      expect(other.diagnostics).toEqual(plain.diagnostics);
      expect(other.sources).toEqual(plain.sources);
    }
  });

  it("a warm compile finds the hosts no certificate covers (TW3040) from the units' records, reading no template", async () => {
    const repo = syntheticRepo(8);
    repo.write('gateway-groups/staging/ssls/site.yaml', `snis: [staging-3.example.com]\n${yamlBlock('cert', certificate.cert)}key: env:SITE_KEY\n`);
    const plain = await runValidate({ cwd: repo.dir, cache: false });
    const uncovered = plain.diagnostics.filter((d) => d.code === 'TW3040');
    expect(uncovered.map((d) => d.file)).toEqual([0, 1, 2, 4, 5, 6, 7].map((i) => `gateway-groups/staging/services/svc-${i}.yaml`));
    expect(uncovered.map((d) => [d.line, d.column, d.severity])).toEqual(Array(7).fill([1, 9, 'warning']));
    await runValidate({ cwd: repo.dir, ...ONE_THREAD });
    const { input } = await loadCompileInput({ cwd: repo.dir, snapshots: false, ...ONE_THREAD });
    const memo = input.memo!;
    const read: string[] = [];
    const counting: CompileMemo = {
      file: (key) => memo.file(key),
      saveFile: (key, record) => memo.saveFile(key, record),
      unit: (key) => memo.unit(key),
      saveUnit: (key, record) => memo.saveUnit(key, record),
      read: (file) => {
        read.push(file.path);
        return memo.read(file);
      },
    };
    const warm = compile({ ...input, memo: counting });
    expect(warm.diagnostics).toEqual(plain.diagnostics);
    expect(read.filter((p) => p.startsWith('services/'))).toEqual([]);
  });

  it('validate after the files with findings change and change back', async () => {
    const repo = repoWithFindings();
    const before = await runValidate({ cwd: repo.dir });
    const original = repo.read('services/svc-1/service.yaml');
    repo.write('services/svc-1/service.yaml', template(1));
    const fixed = await runValidate({ cwd: repo.dir });
    expect(fixed.diagnostics).toEqual((await runValidate({ cwd: repo.dir, cache: false })).diagnostics);
    expect(fixed.diagnostics.length).toBeLessThan(before.diagnostics.length);
    repo.write('services/svc-1/service.yaml', original);
    expect((await runValidate({ cwd: repo.dir })).diagnostics).toEqual(before.diagnostics);
  });

  it("what a service asks of its group's consumers is kept per unit (TW3024, TW3025 from a warm cache)", async () => {
    const repo = syntheticRepo(4);
    repo.write('services/svc-2/service.yaml', template(2).replace('plugins:\n', 'plugins:\n  key-auth: {}\n  consumer-restriction: { whitelist: [nobody] }\n'));
    const options = { cwd: repo.dir, draft: true };
    const plain = await runValidate({ ...options, cache: false });
    expect(plain.diagnostics.map((d) => d.code)).toEqual(expect.arrayContaining(['TW3024', 'TW3025']));
    const cold = await runValidate({ ...options, ...ONE_THREAD });
    const warm = await runValidate({ ...options, ...ONE_THREAD });
    clearCache(repo);
    const workers = await runValidate({ ...options, ...WORKERS });
    for (const other of [cold, warm, workers]) expect(other.diagnostics).toEqual(plain.diagnostics);
  });

  it('a change to tagway.yaml plugins is seen by results kept from before it', async () => {
    const repo = repoWithFindings();
    const before = await runValidate({ cwd: repo.dir });
    expect(before.diagnostics.map((d) => d.code)).toContain('TW3010');
    repo.write('tagway.yaml', 'plugins: [limit-cuont]\n');
    const after = await runValidate({ cwd: repo.dir });
    expect(after.diagnostics.map((d) => d.code)).not.toContain('TW3010');
    expect(after.diagnostics).toEqual((await runValidate({ cwd: repo.dir, cache: false })).diagnostics);
  });
});

describe('a cache that cannot be trusted is not used', () => {
  it('ignores corrupt, truncated and stray segment files', async () => {
    const repo = syntheticRepo(6);
    const reference = await compileTo(repo, 'out-plain', { cache: false });
    await compileTo(repo, 'out-fill');
    const dir = path.join(repo.dir, CACHE_DIR, namespace());
    const segments = fs.readdirSync(dir).filter((f) => f.endsWith('.seg'));
    expect(segments.length).toBeGreaterThan(0);
    segments.forEach((name, i) => {
      const file = path.join(dir, name);
      const bytes = fs.readFileSync(file);
      if (i % 2 === 0) {
        bytes[Math.floor(bytes.length / 2)]! ^= 0xff; // one bit pattern flipped inside
        fs.writeFileSync(file, bytes);
      } else {
        fs.writeFileSync(file, bytes.subarray(0, bytes.length - 7)); // cut short
      }
    });
    fs.writeFileSync(path.join(dir, 'files.1.deadbeef.seg'), 'not a segment');
    expect(await compileTo(repo, 'out-corrupt')).toEqual(reference);
    expect(await compileTo(repo, 'out-again')).toEqual(reference);
  });

  it('never reads the folder of another tool version', async () => {
    const repo = syntheticRepo(4);
    const reference = await runValidate({ cwd: repo.dir, cache: false });
    // Another version's cache holding a wrong record for a file of this repository.
    const foreign = CompileCache.open(repo.dir, { namespace: 'v1-another-version' });
    const oid = repo.git('rev-parse', 'HEAD:services/svc-0/service.yaml');
    const lie = { code: 'TW9999', severity: 'error' as const, message: 'recorded by another version', related: [] };
    foreign.saveFile(fileKey('template', 'services/svc-0/service.yaml', undefined, oid), { parsed: true, valid: true, diagnostics: [lie] });
    foreign.save();
    expect((await runValidate({ cwd: repo.dir })).diagnostics).toEqual(reference.diagnostics);
    // The same record under this version's name would be used: the namespace is what keeps it out.
    clearCache(repo);
    const trusted = CompileCache.open(repo.dir);
    trusted.saveFile(fileKey('template', 'services/svc-0/service.yaml', undefined, oid), { parsed: true, valid: true, diagnostics: [lie] });
    trusted.save();
    expect((await runValidate({ cwd: repo.dir })).diagnostics.map((d) => d.code)).toContain('TW9999');
  });

  it('names a different folder for another version, other code or other schemas', () => {
    const base = fingerprint([['package.json', '{"version":"0.1.0"}'], ['schemas/service.schema.json', '{}']]);
    expect(fingerprint([['package.json', '{"version":"0.1.0"}'], ['schemas/service.schema.json', '{}']])).toBe(base);
    expect(fingerprint([['package.json', '{"version":"0.2.0"}'], ['schemas/service.schema.json', '{}']])).not.toBe(base);
    expect(fingerprint([['package.json', '{"version":"0.1.0"}'], ['schemas/service.schema.json', '{"type":"object"}']])).not.toBe(base);
    expect(namespace()).toMatch(/^v\d+-[0-9a-f]{24}$/);
  });
});

/** Cases of writing a standalone file: its text, its permissions, and an apply that cannot write. */
import { chmod, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

/** While `disk` is set, writing a new file fails the way a full disk does. */
const full = vi.hoisted(() => ({ disk: false }));
vi.mock('node:fs/promises', async (original) => {
  const fs = await original<typeof import('node:fs/promises')>();
  return {
    ...fs,
    open: (async (...args: Parameters<typeof fs.open>) => {
      if (full.disk && args[1] === 'wx') throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
      return fs.open(...args);
    }) as typeof fs.open,
  };
});
import type { ApisixConfig, ApisixObject } from '../../../model/apisix.js';
import { emptyConfig } from '../../../apisix/kinds/index.js';
import { renderStandaloneYaml } from '../../../apisix/standalone-yaml.js';
import { planSync, type Plan } from '../../plan.js';
import { applyFilePlan, renderFile, writeFileAtomic } from './apply.js';
import { FileTarget } from './index.js';

const mine = { 'managed-by': 'tagway', 'tagway.group': 'staging' };
const route = (id: string, labels: Record<string, string> | null = mine): ApisixObject => ({ id, ...(labels ? { labels } : {}), uri: `/${id}` });
const conf = (parts: Partial<ApisixConfig>): ApisixConfig => ({ ...emptyConfig(), ...parts });
const planFor = (desired: ApisixConfig, live: ApisixConfig = emptyConfig()): Plan => planSync({ group: 'staging', digest: 'sha256:d', apisix: desired }, live);

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tagway-file-apply-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('renderFile', () => {
  const config = conf({ routes: [route('r')] });
  const main = renderStandaloneYaml(config);
  const cases: ReadonlyArray<readonly [string, Record<string, unknown>, string]> = [
    ['no other key: the rendered configuration alone', {}, main],
    ['other keys: after the configuration, in code-point order, before #END', { zeta: 1, Alpha: [2] }, `${main.slice(0, -'#END\n'.length)}Alpha:\n  - 2\nzeta: 1\n#END\n`],
  ];
  for (const [name, others, text] of cases) {
    it(`renders ${name}`, () => {
      expect(renderFile(config, others)).toBe(text);
      expect(renderFile(config, others)).toBe(renderFile(config, { ...others }));
    });
  }

  it('writes an object shared by two keys out in full at both, with no YAML alias', () => {
    const shared = { name: 'limit-count' };
    expect(renderFile(emptyConfig(), { a: [shared], b: [shared] })).not.toContain('*');
  });
});

describe('writeFileAtomic', () => {
  it('keeps the permissions of the file it replaces', async () => {
    const path = join(dir, 'apisix.yaml');
    await writeFile(path, 'old');
    await chmod(path, 0o600);
    await writeFileAtomic(path, 'new');
    expect([(await stat(path)).mode & 0o777, await readFile(path, 'utf8')]).toEqual([0o600, 'new']);
  });

  it('creates a new file, and its folders, readable by all', async () => {
    const path = join(dir, 'out/staging/apisix.yaml');
    await writeFileAtomic(path, 'new');
    expect([(await stat(path)).mode & 0o777 & ~process.umask(), await readFile(path, 'utf8')]).toEqual([0o644 & ~process.umask(), 'new']);
    expect(await readdir(join(dir, 'out/staging'))).toEqual(['apisix.yaml']);
  });
});

describe('applyFilePlan: an apply that writes nothing', () => {
  const cases: ReadonlyArray<{
    readonly name: string;
    readonly before: string | null;
    readonly plan: Plan;
    readonly aborted?: true;
    readonly code: string;
    readonly message: RegExp;
  }> = [
    {
      name: 'stopped before it starts',
      before: null,
      plan: planFor(conf({ routes: [route('r')] })),
      aborted: true,
      code: 'interrupted',
      message: /^target local: the sync was interrupted by SIGTERM after 0 of 1 writes/,
    },
    {
      name: "another owner's object now at an id the plan creates",
      before: 'routes:\n  - id: r\n    uri: /theirs\n#END\n',
      plan: planFor(conf({ routes: [route('r')] })),
      code: 'conflict',
      message: /^target local: route r appeared since the plan was made/,
    },
    {
      name: 'a file that is no longer YAML',
      before: 'routes: [\n',
      plan: planFor(conf({ routes: [route('r')] })),
      code: 'invalid-live-state',
      message: /is not valid YAML/,
    },
  ];
  for (const c of cases) {
    it(`reports ${c.name}, with nothing to undo`, async () => {
      const path = join(dir, 'apisix.yaml');
      if (c.before !== null) await writeFile(path, c.before);
      const controller = new AbortController();
      if (c.aborted) controller.abort('SIGTERM');
      const report = await applyFilePlan('local', path, c.plan, controller.signal);
      expect(report).toEqual({
        ok: false,
        writes: 0,
        error: expect.objectContaining({ code: c.code, target: 'local', message: expect.stringMatching(c.message) }),
        restore: { attempted: false, ok: true, failures: [] },
      });
      expect(await readFile(path, 'utf8').catch(() => null)).toBe(c.before);
    });
  }

  it('reports a write that fails (a full disk) as an io error naming the path, the file as it was', async () => {
    const path = join(dir, 'apisix.yaml');
    await writeFile(path, '#END\n');
    full.disk = true;
    try {
      expect(await applyFilePlan('local', path, planFor(conf({ routes: [route('r')] })))).toEqual({
        ok: false,
        writes: 0,
        error: { code: 'io', target: 'local', message: `target local: cannot write ${path} (ENOSPC): no space left on device` },
        restore: { attempted: false, ok: true, failures: [] },
      });
    } finally {
      full.disk = false;
    }
    expect(await readdir(dir)).toEqual(['apisix.yaml']);
    expect(await readFile(path, 'utf8')).toBe('#END\n');
  });
});

describe('FileTarget.apply', () => {
  it('counts every step of the plan as written by its one write, and none when it fails', async () => {
    const target = new FileTarget({ kind: 'file', name: 'local', path: 'apisix.yaml' }, dir);
    const counted: number[] = [];
    const plan = planFor(conf({ routes: [route('a'), route('b')] }));
    expect(await target.apply(plan, { concurrency: 1, onWrites: (n) => counted.push(n) })).toEqual({ ok: true, writes: 1 });
    expect(counted).toEqual([2]);
    await writeFile(join(dir, 'apisix.yaml'), 'routes: [\n');
    expect((await target.apply(plan, { concurrency: 1, onWrites: (n) => counted.push(n) })).ok).toBe(false);
    expect(counted).toEqual([2]);
  });

  it('reads objects with numeric ids with the id as text', async () => {
    await writeFile(join(dir, 'apisix.yaml'), 'routes:\n  - id: 7\n    uri: /7\n#END\n');
    const target = new FileTarget({ kind: 'file', name: 'local', path: 'apisix.yaml' }, dir);
    expect((await target.read()).config.routes).toEqual([{ id: '7', uri: '/7' }]);
  });

  it('reads the referrers in the keys tagway does not manage', async () => {
    await writeFile(join(dir, 'apisix.yaml'), 'routes:\n  - id: r\n    uri: /r\n#END\n');
    const target = new FileTarget({ kind: 'file', name: 'local', path: 'apisix.yaml' }, dir);
    expect(await target.readReferrers()).toEqual([]);
  });

  const refused: ReadonlyArray<readonly [string, string]> = [
    ['read', 'tagway.yaml'],
    ['readReferrers', '.git/config.yaml'],
    ['apply', '../outside.yaml'],
  ];
  for (const [method, path] of refused) {
    it(`refuses to ${method} ${path}`, async () => {
      const target = new FileTarget({ kind: 'file', name: 'local', path }, dir);
      const call = method === 'read' ? target.read() : method === 'readReferrers' ? target.readReferrers() : target.apply(planFor(emptyConfig()), { concurrency: 1 });
      await expect(call).rejects.toThrow(expect.objectContaining({ code: 'io' }));
    });
  }
});

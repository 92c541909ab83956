/**
 * tagway installs and runs the usual ways (docs/install.md): `npm pack` in a clone builds the
 * package (the prepare script) and gives a tarball that installs in an empty folder and as a
 * global command, and `npx tagway` in a clone runs the clone's own build. The tarball's
 * dependencies come from the npm cache, which this test run's own install filled; npm needs the
 * registry's package documents as well, which that install may not have cached, so an offline
 * install that misses them is tried again preferring the cache, and the test is skipped only when
 * the registry cannot be reached either. The project is copied first (its node_modules linked), so
 * that the build this runs never rewrites the dist/ other tests are running.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { PROJECT_ROOT } from './support/example-repo.js';
import { makeTempDir } from './support/git-repo.js';

/** What the copy leaves out: installed, built or generated, never part of a clone. */
const NOT_COPIED = new Set(['node_modules', 'dist', '.git', 'oclif.manifest.json', 'demo', 'out', '.tagway', path.join('bench', '.work')]);

/** Errors npm reports when the registry cannot be reached. */
const UNREACHABLE = new Set(['ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENETUNREACH', 'EHOSTUNREACH', 'ENOTCACHED']);

const VERSION = (JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

let temp: { readonly dir: string; cleanup(): void };
let clone: string;
let tarball: string;

beforeAll(() => {
  temp = makeTempDir();
  clone = path.join(temp.dir, 'clone');
  fs.cpSync(PROJECT_ROOT, clone, { recursive: true, filter: (source) => !NOT_COPIED.has(path.relative(PROJECT_ROOT, source)) });
  fs.symlinkSync(fs.realpathSync(path.join(PROJECT_ROOT, 'node_modules')), path.join(clone, 'node_modules'));
  const packed = path.join(temp.dir, 'packed');
  fs.mkdirSync(packed);
  ok(npm(['pack', '--pack-destination', packed], clone));
  const [name] = fs.readdirSync(packed);
  tarball = path.join(packed, name!);
}, 180_000);
afterAll(() => temp?.cleanup());

/**
 * npm with this environment less what an npm script that runs the tests sets for its own
 * project (`npm_config_local_prefix` would point an install at this project), and `env` on top.
 */
function npm(args: readonly string[], cwd: string, env: Readonly<Record<string, string>> = {}): SpawnSyncReturns<string> {
  const base = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_(?!config_(cache|userconfig|globalconfig|cafile|registry)$)/i.test(name)));
  return spawnSync('npm', args, { cwd, encoding: 'utf8', env: { ...base, NO_COLOR: '1', ...env } });
}

function ok(run: SpawnSyncReturns<string>): SpawnSyncReturns<string> {
  if (run.status !== 0) throw new Error(`exit ${run.status}\n${run.stdout}\n${run.stderr}`);
  return run;
}

/**
 * `npm install <args>` offline, again preferring the cache when npm lacks a package document;
 * skips the test when the registry cannot be reached.
 */
function installOffline(ctx: TestContext, args: readonly string[], cwd: string, env: Readonly<Record<string, string>> = {}): void {
  const common = ['install', '--no-audit', '--no-fund', ...args];
  const offline = npm([...common, '--offline'], cwd, env);
  if (offline.status === 0) return;
  if (errorCode(offline) !== 'ENOTCACHED') ok(offline);
  const online = npm([...common, '--prefer-offline', '--fetch-retries=1'], cwd, env);
  if (online.status !== 0 && UNREACHABLE.has(errorCode(online) ?? '')) {
    ctx.skip(`the npm cache lacks package documents for the tarball's dependencies and the registry cannot be reached (${errorCode(online)})`);
  }
  ok(online);
}

function errorCode(run: SpawnSyncReturns<string>): string | null {
  return /npm error code (E[A-Z_]+)/.exec(run.stderr)?.[1] ?? null;
}

/** Runs an installed `tagway` as a shell would: the bin link itself, through its #! line. */
function tagway(bin: string, args: readonly string[], cwd: string) {
  const run = spawnSync(bin, args, { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('installing tagway', () => {
  it('npm pack builds the package and the tarball carries what it runs, and no sources', () => {
    const files = ok(spawnSync('tar', ['-tzf', tarball], { encoding: 'utf8' })).stdout.split('\n');
    for (const file of [
      'bin/run.js',
      'dist/index.js',
      'dist/cli/commands/validate.js',
      'dist/core/compiled/files.cjs',
      'dist/core/compiled/apisix.cjs',
      'dist/core/compiled/apisix/plugin/limit-count.cjs',
      'dist/core/compiled/apisix/core/ssl.cjs',
      'dist/apisix/validator/data/apisix-schemas.json',
      'dist/apisix/validator/data/apisix-schemas.NOTICE.md',
      'dist/apisix/validator/data/units/plugin/limit-count.unit',
      'oclif.manifest.json',
      'schemas/service.schema.json',
      'services/petstore/service.yaml',
      'gateway-groups/staging/group.yaml',
      'package.json',
    ]) {
      expect(files).toContain(`package/${file}`);
    }
    expect(files.filter((f) => f.startsWith('package/src/') || f.startsWith('package/test/') || f.endsWith('.test.js'))).toEqual([]);
  });

  it('the tarball installs in an empty folder, and its tagway starts a repository and validates it', (ctx) => {
    const folder = path.join(temp.dir, 'empty');
    fs.mkdirSync(folder);
    // Without a package.json npm would look for a project in the folders above.
    fs.writeFileSync(path.join(folder, 'package.json'), '{ "private": true }\n');
    installOffline(ctx, [tarball], folder);
    const bin = path.join(folder, 'node_modules/.bin/tagway');
    const version = tagway(bin, ['--version'], folder);
    expect(version.code).toBe(0);
    expect(version.stdout).toContain(`tagway/${VERSION} `);
    // The plugins are dependencies of the package, and their commands are there.
    expect(tagway(bin, ['autocomplete', '--help'], folder)).toMatchObject({ code: 0, stderr: '' });

    const init = tagway(bin, ['init', 'config'], folder);
    expect(init.code).toBe(0);
    expect(tagway(bin, ['validate', '--draft'], path.join(folder, 'config'))).toMatchObject({ code: 0 });
    // The bundled example travels in the package too.
    expect(tagway(bin, ['init', 'example', '--example'], folder).code).toBe(0);
    expect(tagway(bin, ['validate', '--draft', '-C', 'example'], folder).code).toBe(0);
  }, 120_000);

  it('the tarball installs as a global command', (ctx) => {
    const prefix = path.join(temp.dir, 'global');
    installOffline(ctx, ['--global', tarball], temp.dir, { npm_config_prefix: prefix });
    const version = tagway(path.join(prefix, 'bin/tagway'), ['--version'], temp.dir);
    expect(version.code).toBe(0);
    expect(version.stdout).toContain(`tagway/${VERSION} `);
  }, 120_000);

  it('npx tagway in a clone runs the clone’s own build', () => {
    // A cache of its own: npx records the clone as a package it ran, and needs nothing else.
    const run = npm(['exec', '--offline', '--', 'tagway', '--version'], path.join(clone, 'services'), { npm_config_cache: path.join(temp.dir, 'npx-cache') });
    expect(ok(run).stdout).toContain(`tagway/${VERSION} `);
  }, 60_000);
});

/**
 * The README is the front door: what it says is checked against the code. The commands it lists
 * exist, it opens with the two commands that work on a fresh machine, it stays a front door (at
 * most 16 KB), every page it links exists, and its walkthrough runs as written: from `tagway init`
 * to a sync against a gateway (the Admin API test server stands in for it).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHECKED_PLUGINS, CODE_CHECKED_PLUGINS } from '../src/apisix/validator/index.js';
import { startAdminServer, type AdminServer } from './support/apisix-admin-server.js';
import { PROJECT_ROOT } from './support/example-repo.js';
import { makeTempDir } from './support/git-repo.js';
import { BIN } from './support/spawn-cli.js';

const README = fs.readFileSync(path.join(PROJECT_ROOT, 'README.md'), 'utf8');

/** The `sh` blocks of the README section headed `heading`, in order. */
function shellBlocks(heading: string): string[] {
  const start = README.indexOf(`\n## ${heading}`);
  const end = README.indexOf('\n## ', start + 1);
  const section = README.slice(start, end === -1 ? undefined : end);
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

describe('README', () => {
  it('opens with the two commands that work on a fresh machine', () => {
    const firstBlock = README.slice(README.indexOf('```sh'), README.indexOf('```', README.indexOf('```sh') + 5));
    expect(firstBlock).toContain('npm install && npm run demo');
    expect(firstBlock).toContain('npm test');
  });

  it('lists every command in its command table', () => {
    const commands = fs.readdirSync(path.join(PROJECT_ROOT, 'src/cli/commands')).filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3));
    for (const command of commands) expect(README).toContain(`\`tagway ${command}`);
  });

  it('lists the commands of the plugins tagway ships with (help, autocomplete), but not their hidden ones', () => {
    const plugins = (JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { oclif: { plugins: string[] } }).oclif.plugins;
    const commands = plugins.flatMap((plugin) => {
      const manifest = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'node_modules', plugin, 'oclif.manifest.json'), 'utf8')) as {
        commands: Record<string, { hidden?: boolean }>;
      };
      return Object.entries(manifest.commands).filter(([, command]) => command.hidden !== true).map(([id]) => id.replace(/:/g, ' '));
    });
    expect(commands).toEqual(expect.arrayContaining(['help', 'autocomplete']));
    for (const command of commands) expect(README).toContain(`\`tagway ${command}`);
  });

  it('stays a front door: at most 16 KB, with the reference in docs/ pages that exist', () => {
    expect(Buffer.byteLength(README)).toBeLessThanOrEqual(16 * 1024);
    const links = [...README.matchAll(/\]\((docs\/[^)#]+)/g)].map((m) => m[1]!);
    expect(links.length).toBeGreaterThan(10);
    for (const link of links) expect(fs.existsSync(path.join(PROJECT_ROOT, link)), link).toBe(true);
  });

  it('docs/compile.md says every plugin is checked, and names exactly those checked in code', () => {
    const page = fs.readFileSync(path.join(PROJECT_ROOT, 'docs/compile.md'), 'utf8');
    const paragraph = page.slice(page.indexOf("every plugin's configuration against its schema")).replace(/\s+/g, ' ');
    expect(paragraph).toContain(`all ${CHECKED_PLUGINS.length} plugins APISIX enables by default`);
    const intro = `the configuration of ${CODE_CHECKED_PLUGINS.length} plugins is checked in code the way their \`check_schema\` does: `;
    expect(paragraph).toContain(intro);
    const list = paragraph.slice(paragraph.indexOf(intro) + intro.length).split('. ')[0]!;
    expect(list.split(/, (?:and )?| and /)).toEqual([...CODE_CHECKED_PLUGINS]);
  });
});

describe('the README walkthrough, run as written', () => {
  const KEY = 'readme-walkthrough-admin-key-5c1e';
  let gateway: AdminServer;
  let temp: { dir: string; cleanup(): void };

  beforeAll(async () => {
    gateway = await startAdminServer({ apiKey: KEY });
    temp = makeTempDir('tagway-readme-');
  });
  afterAll(async () => {
    await gateway?.close();
    temp?.cleanup();
  });

  it('goes from tagway init to a sync against a gateway, and a second sync writes nothing', async () => {
    const blocks = shellBlocks('Walkthrough: your own repository, from `init` to a gateway');
    expect(blocks.length).toBeGreaterThanOrEqual(4);
    // The gateway of the walkthrough is the test server; its key is the one the reader exports.
    const script = [
      'set -euo pipefail',
      `tagway() { node ${JSON.stringify(BIN)} "$@"; }`,
      ...blocks.map((block) => block.replaceAll('http://127.0.0.1:9180', gateway.url).replace(/^export APISIX_ADMIN_KEY=.*$/m, `export APISIX_ADMIN_KEY=${KEY}`)),
    ].join('\n');
    const identity = { GIT_AUTHOR_NAME: 'Reader', GIT_AUTHOR_EMAIL: 'reader@example.com', GIT_COMMITTER_NAME: 'Reader', GIT_COMMITTER_EMAIL: 'reader@example.com' };
    // Not spawnSync: the test server answers from this process's event loop.
    const child = spawn('bash', ['-c', script], { cwd: temp.dir, env: { ...process.env, ...identity, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
    const run = { status, stdout, stderr };
    expect(run.stderr).not.toContain('internal error');
    expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect([...gateway.objects('routes').keys()]).toEqual(['hello.greet']);
    expect(run.stdout).toMatch(/apisix-1\s+apisix\s+in sync\s+0 writes/);
    expect(run.stdout + run.stderr).not.toContain(KEY);
  });
});

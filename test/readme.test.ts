/**
 * The README's claims that name code facts stay true: the commands it lists exist, and the
 * plugins it says are checked are the ones that are.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHECKED_PLUGINS } from '../src/apisix/validator/index.js';
import { PROJECT_ROOT } from './support/example-repo.js';

const README = fs.readFileSync(path.join(PROJECT_ROOT, 'README.md'), 'utf8');

describe('README', () => {
  it('names every plugin whose configuration is checked', () => {
    const paragraph = README.slice(README.indexOf('the configuration schema and static checks of'));
    for (const name of CHECKED_PLUGINS) expect(paragraph).toContain(name);
  });

  it('lists every command in its command table', () => {
    const commands = fs.readdirSync(path.join(PROJECT_ROOT, 'src/cli/commands')).filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3));
    for (const command of commands) expect(README).toContain(`\`tagway ${command}`);
  });

  it("lists the commands of the plugins tagway ships with (help, autocomplete), but their hidden ones", () => {
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

  it('opens with the two commands that work on a fresh machine', () => {
    const firstBlock = README.slice(README.indexOf('```sh'), README.indexOf('```', README.indexOf('```sh') + 5));
    expect(firstBlock).toContain('npm install && npm run demo');
    expect(firstBlock).toContain('npm test');
  });
});

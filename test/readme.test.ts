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

  it('opens with the two commands that work on a fresh machine', () => {
    const firstBlock = README.slice(README.indexOf('```sh'), README.indexOf('```', README.indexOf('```sh') + 5));
    expect(firstBlock).toContain('npm install && npm run demo');
    expect(firstBlock).toContain('npm test');
  });
});

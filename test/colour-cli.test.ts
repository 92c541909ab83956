/**
 * Colour as a user sees it: on a terminal (a pseudo-terminal made by `script`) the reports and
 * findings are painted; through a pipe, with NO_COLOR or with --no-color, not one escape code.
 */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeExampleRepo } from './support/example-repo.js';
import type { TempRepo } from './support/git-repo.js';
import { BIN } from './support/spawn-cli.js';

/** A colour (SGR) escape; the live progress line's cursor moves are not colour. */
const COLOUR = /\u001b\[[0-9;]*m/;
const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;

/** `tagway <args>` on a pseudo-terminal: what the terminal shows. */
function onTerminal(args: string, cwd: string, env: Record<string, string> = {}): string {
  const { NO_COLOR: _n, FORCE_COLOR: _f, ...rest } = process.env;
  const run = spawnSync('script', ['-qfec', `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} ${args}`, '/dev/null'], {
    cwd,
    env: { ...rest, TERM: 'xterm', ...env },
    encoding: 'utf8',
  });
  return run.stdout;
}

function throughPipe(args: readonly string[], cwd: string): string {
  const run = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: undefined } as NodeJS.ProcessEnv });
  return run.stdout + run.stderr;
}

describe.skipIf(!hasScript)('colour', () => {
  let repo: TempRepo;
  beforeAll(() => {
    repo = makeExampleRepo();
    repo.write('services/petstore/service.yaml', repo.read('services/petstore/service.yaml').replace(/port: \d+/, 'port: eighty'));
  });
  afterAll(() => repo?.cleanup());

  it('paints sync reports, diffs and findings on a terminal', () => {
    expect(onTerminal('sync --group production', repo.dir)).toContain('\u001b[32mapplied');
    expect(onTerminal('diff --draft --group production', repo.dir)).toMatch(COLOUR);
    expect(onTerminal('validate --draft', repo.dir)).toContain('\u001b[31m');
  });

  it('paints nothing with NO_COLOR or --no-color, or through a pipe', () => {
    expect(onTerminal('sync --group production', repo.dir, { NO_COLOR: '1' })).not.toMatch(COLOUR);
    expect(onTerminal('sync --group production --no-color', repo.dir)).not.toMatch(COLOUR);
    expect(onTerminal('validate --draft --no-color', repo.dir)).not.toMatch(COLOUR);
    for (const args of [['sync', '--group', 'production'], ['diff', '--draft', '--group', 'production'], ['validate', '--draft']]) {
      expect(throughPipe(args, repo.dir)).not.toMatch(COLOUR);
    }
  });
});

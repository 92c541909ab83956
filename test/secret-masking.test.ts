/**
 * Secrets never echoed: a literal key written into group.yaml is refused without being shown in
 * any command or format (code frames, JSON, annotations, markdown), nor kept in any file tagway
 * writes; and a gateway's error text never carries a key of the fleet. Runs the built CLI
 * (`npm test` builds first).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectCleanFiles, expectCleanRun, runTagway } from './support/canary.js';
import { makeExampleRepo } from './support/example-repo.js';
import type { TempRepo } from './support/git-repo.js';

const ID = randomBytes(6).toString('hex');
const LITERAL = `canary-literal-${ID}`;

/** The example's staging group with a literal key (line 11, column 16) and a key of spaces (line 15, column 16). */
const STAGING_WITH_LITERALS = `name: staging
published:
  petstore: ^1.0
  orders: 1.0.0
  catalog: 1.0.0
targets:
  - name: local
    kind: file
    path: out/staging/apisix.yaml
  - name: eu-1
    admin_key: ${LITERAL}
    kind: apisix
    admin_url: http://127.0.0.1:9
  - name: eu-2
    admin_key: "   "
    kind: apisix
    admin_url: http://127.0.0.1:9
`;

/** Where tagway writes in a repository: compile output, file targets, its cache. */
const WRITTEN = ['dist', 'out', '.tagway'];

describe('a literal admin_key in group.yaml', () => {
  let repo: TempRepo;
  beforeAll(() => {
    repo = makeExampleRepo();
    repo.write('gateway-groups/staging/group.yaml', STAGING_WITH_LITERALS);
  });
  afterAll(() => repo.cleanup());

  const runs: readonly (readonly string[])[] = [
    ['validate'],
    ['validate', '--format', 'json'],
    ['validate', '--format', 'github'],
    ['compile'],
    ['compile', '--format', 'json'],
    ['sync', '--group', 'staging'],
    ['sync', '--group', 'staging', '--format', 'json'],
    ['diff'],
    ['diff', '--format', 'json'],
    ['diff', '--format', 'markdown'],
  ];
  for (const args of runs) {
    it(`tagway ${args.join(' ')}: refused at its line and column, never shown`, () => {
      const run = runTagway(args, repo.dir);
      expectCleanRun(run, args.join(' '), [LITERAL]);
      expectCleanFiles(repo.dir, [LITERAL], WRITTEN);
      expect(run.code).toBe(1);
      const printed = run.stdout + run.stderr;
      const file = 'gateway-groups/staging/group.yaml';
      for (const [line, column] of [[11, 16], [15, 16]] as const) {
        if (args.includes('json')) {
          expect(printed).toMatch(new RegExp(`"file": "${file}",\\s*"line": ${line},\\s*"column": ${column},`));
          expect(printed).toMatch(new RegExp(`"secrets": \\[\\s*\\{\\s*"line": ${line},\\s*"column": ${column},`));
        } else if (args.includes('github')) expect(printed).toContain(`::error file=${file},line=${line},col=${column},title=tagway TW2003::`);
        else if (args.includes('markdown')) expect(printed).toContain(`| error | TW2003 | \`${file}:${line}:${column}\` |`);
        else {
          expect(printed).toContain(`${file}:${line}:${column} error`);
          expect(printed).toContain(`> ${line} |     admin_key: <masked>\n`);
        }
      }
    });
  }
});

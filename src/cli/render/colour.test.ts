import { describe, expect, it } from 'vitest';
import { colourReport, wantsColour } from './colour.js';

const strip = (text: string) => text.replace(/\u001b\[[0-9;]*m/g, '');

describe('wantsColour', () => {
  const cases: { name: string; tty: boolean; env: Record<string, string>; argv: string[]; expected: boolean }[] = [
    { name: 'a terminal', tty: true, env: {}, argv: [], expected: true },
    { name: 'a pipe or a file', tty: false, env: {}, argv: [], expected: false },
    { name: 'NO_COLOR, whatever its value', tty: true, env: { NO_COLOR: '' }, argv: [], expected: false },
    { name: '--no-color', tty: true, env: {}, argv: ['sync', '--no-color'], expected: false },
  ];
  for (const c of cases) it(c.name, () => expect(wantsColour({ isTTY: c.tty }, c.env, c.argv)).toBe(c.expected));
});

describe('colourReport', () => {
  const report = [
    'production: changes, 1 added, 5 relabelled',
    '  petstore: 1.0.0 → 1.1.0',
    '    + route petstore.pet-photos',
    '        @@ -0,0 +1,2 @@',
    '        +id: petstore.pet-photos',
    '        -uri: /old',
    '    ~ service petstore',
    '  eu-1  apisix  applied  16 writes  runs sha256:0123456789ab',
    '  eu-2  apisix  failed  0 writes  runs unknown',
    '    error: target eu-2 is unreachable',
    '    hint: check that the Admin API of eu-2 answers',
    '  eu-3  apisix  skipped',
    '',
  ].join('\n');

  it('paints each kind of line, and takes nothing away: stripped of colour, it is the text', () => {
    const painted = colourReport(report);
    expect(strip(painted)).toBe(report);
    const lines = painted.split('\n');
    expect(lines[0]).toBe('\u001b[1mproduction: changes, 1 added, 5 relabelled\u001b[0m');
    expect(lines[2]).toBe('    \u001b[32m+ route petstore.pet-photos\u001b[0m');
    expect(lines[3]).toContain('\u001b[36m@@');
    expect(lines[5]).toBe('        \u001b[31m-uri: /old\u001b[0m');
    expect(lines[6]).toContain('\u001b[33m~ service');
    expect(lines[7]).toContain('\u001b[32mapplied\u001b[0m');
    expect(lines[8]).toContain('\u001b[31mfailed\u001b[0m');
    expect(lines[9]).toContain('\u001b[31merror:');
    expect(lines[10]).toContain('\u001b[2mhint:');
    expect(lines[11]).toContain('\u001b[33mskipped\u001b[0m');
  });
});

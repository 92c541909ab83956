#!/usr/bin/env node
/**
 * Prints, as markdown, what a StrykerJS JSON report (reports/mutation/mutation.json, written by
 * `npm run mutate`) says: the score of each mutated file and every mutant no test killed
 * (survived, or reached by no test), with its file:line, mutator and replacement. The surviving
 * mutants listed in docs/testing.md are this output, with the reason each one may stay.
 *
 *   node scripts/mutation-survivors.js [REPORT] [--scores-only]
 */
import fs from 'node:fs';

const args = process.argv.slice(2);
const scoresOnly = args.includes('--scores-only');
const file = args.find((a) => !a.startsWith('--')) ?? 'reports/mutation/mutation.json';
const report = JSON.parse(fs.readFileSync(file, 'utf8'));

const DETECTED = new Set(['Killed', 'Timeout']);
const UNDETECTED = new Set(['Survived', 'NoCoverage']);

/** Stryker's mutation score: detected over detected and undetected (errors and ignored left out). */
function score(mutants) {
  const detected = mutants.filter((m) => DETECTED.has(m.status)).length;
  const undetected = mutants.filter((m) => UNDETECTED.has(m.status)).length;
  return detected + undetected === 0 ? null : (100 * detected) / (detected + undetected);
}

const count = (mutants, status) => mutants.filter((m) => m.status === status).length;
const percent = (value) => (value === null ? 'n/a' : value.toFixed(1));
const oneLine = (text) => text.replace(/\s+/g, ' ').trim();
const shorten = (text, max = 70) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

const files = Object.entries(report.files).sort(([a], [b]) => a.localeCompare(b));
const all = files.flatMap(([, f]) => f.mutants);

const out = [];
out.push('| File | Score % | Killed | Timeout | Survived | No coverage | Errors |');
out.push('|---|---:|---:|---:|---:|---:|---:|');
for (const [name, f] of [...files, ['**all files**', { mutants: all }]]) {
  const m = f.mutants;
  out.push(
    `| ${name} | ${percent(score(m))} | ${count(m, 'Killed')} | ${count(m, 'Timeout')} | ${count(m, 'Survived')} | ${count(m, 'NoCoverage')} | ${count(m, 'RuntimeError') + count(m, 'CompileError')} |`,
  );
}

if (!scoresOnly) {
  for (const [name, f] of files) {
    const left = f.mutants
      .filter((m) => UNDETECTED.has(m.status))
      .sort((a, b) => a.location.start.line - b.location.start.line || a.location.start.column - b.location.start.column);
    if (left.length === 0) continue;
    const lines = f.source.split('\n');
    out.push('', `### ${name}`, '');
    for (const m of left) {
      const line = m.location.start.line;
      const original = shorten(oneLine(lines[line - 1] ?? ''));
      const replacement = shorten(oneLine(m.replacement ?? m.mutatorName));
      const status = m.status === 'NoCoverage' ? ' (no test reaches it)' : '';
      out.push(`- ${name}:${line} ${m.mutatorName}${status}: \`${original}\` → \`${replacement}\``);
    }
  }
}

process.stdout.write(`${out.join('\n')}\n`);

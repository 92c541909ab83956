/**
 * docs/performance.md shows what the benchmark measured: its "Latest results" section is the
 * rendering (bench/report.js) of docs/performance-results.json, which `node bench/run.js
 * --record` writes with it. A figure edited by hand in either place fails here.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error bench/ is plain JavaScript without type declarations
import { BEGIN, END, markdown, targets } from '../bench/report.js';

const DOCS = path.resolve(import.meta.dirname, '..', 'docs');

describe('the performance document', () => {
  const doc = fs.readFileSync(path.join(DOCS, 'performance.md'), 'utf8');
  const results = JSON.parse(fs.readFileSync(path.join(DOCS, 'performance-results.json'), 'utf8')) as { sizes: Record<string, unknown>; machine: { cores: number } };

  it('shows the recorded results, as the report renders them', () => {
    const section = doc.slice(doc.indexOf(BEGIN), doc.indexOf(END) + END.length);
    expect(section).toBe(markdown(results));
  });

  it('records a run of both sizes and the start-up, with the targets held against them', () => {
    expect(Object.keys(results.sizes)).toEqual(['1000', '10000']);
    const held = targets(results) as string[][];
    expect(held.length).toBeGreaterThan(10);
    for (const [target, result, verdict] of held) expect([target, typeof result, ['met', '**not met**'].includes(verdict!)]).toEqual([target, 'string', true]);
  });
});

/**
 * The house stays as drawn: every import of `src/` points down the layers that
 * docs/architecture.md lists (its table "Layers" is read here, so the map and the code are held
 * against each other), every folder of `src/` is placed in that table, and no files import each
 * other in a loop.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from './support/example-repo.js';

const SRC = path.join(PROJECT_ROOT, 'src');
/** Files outside the layers: the library's entry point may name anything it offers. */
const ENTRY_POINTS = new Set(['index.ts']);

/** Folder → layer, from the rows `| 4 | `compile`, `diff` | … |` of the doc's "Layers" table. */
function layersOfDoc(): Map<string, number> {
  const doc = fs.readFileSync(path.join(PROJECT_ROOT, 'docs/architecture.md'), 'utf8');
  const section = doc.slice(doc.indexOf('### Layers'));
  const layers = new Map<string, number>();
  for (const line of section.split('\n')) {
    const row = /^\| (\d+) \| ((?:`[a-z]+`(?:, )?)+) \|/.exec(line);
    if (row === null) continue;
    for (const folder of row[2]!.matchAll(/`([a-z]+)`/g)) layers.set(folder[1]!, Number(row[1]));
  }
  return layers;
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(full));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') && !entry.name.endsWith('.d.ts')) out.push(full);
  }
  return out;
}

/** The `src/` files a file imports: static imports and re-exports, and `import()` of a literal. */
function importsOf(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const targets: string[] = [];
  for (const match of text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g)) {
    const spec = match[1] ?? match[2]!;
    const base = path.resolve(path.dirname(file), spec);
    const resolved = [base.replace(/\.js$/, '.ts'), `${base}.ts`, path.join(base, 'index.ts')].find((c) => fs.existsSync(c));
    if (resolved !== undefined) targets.push(resolved);
  }
  return targets;
}

const folderOf = (file: string): string => path.relative(SRC, file).split(path.sep)[0]!;

const files = sourceFiles(SRC);
const graph = new Map(files.map((f) => [f, importsOf(f)]));

describe('the layers of src/', () => {
  const layers = layersOfDoc();

  it('places every folder of src/ in the table of docs/architecture.md', () => {
    const folders = [...new Set(files.map(folderOf))].filter((f) => !ENTRY_POINTS.has(f) && f !== 'types').sort();
    expect(folders.filter((f) => !layers.has(f))).toEqual([]);
    expect([...layers.keys()].filter((f) => !folders.includes(f))).toEqual([]);
  });

  it('imports only from the same folder or from a lower layer', () => {
    const upward: string[] = [];
    for (const [file, targets] of graph) {
      const from = folderOf(file);
      if (ENTRY_POINTS.has(from)) continue;
      for (const target of targets) {
        const to = folderOf(target);
        if (to === from) continue;
        const allowed = (layers.get(to) ?? 0) > (layers.get(from) ?? Infinity);
        if (!allowed) upward.push(`${path.relative(SRC, file)} → ${path.relative(SRC, target)} (layer ${layers.get(from)} → ${layers.get(to)})`);
      }
    }
    expect(upward).toEqual([]);
  });

  it('has no files that import each other in a loop', () => {
    // Tarjan's strongly connected components; a component of more than one file is a loop.
    let index = 0;
    const order = new Map<string, number>();
    const low = new Map<string, number>();
    const stack: string[] = [];
    const onStack = new Set<string>();
    const loops: string[][] = [];
    const visit = (v: string): void => {
      order.set(v, index);
      low.set(v, index);
      index += 1;
      stack.push(v);
      onStack.add(v);
      for (const w of graph.get(v) ?? []) {
        if (!order.has(w)) {
          visit(w);
          low.set(v, Math.min(low.get(v)!, low.get(w)!));
        } else if (onStack.has(w)) {
          low.set(v, Math.min(low.get(v)!, order.get(w)!));
        }
      }
      if (low.get(v) === order.get(v)) {
        const component: string[] = [];
        let w: string;
        do {
          w = stack.pop()!;
          onStack.delete(w);
          component.push(path.relative(SRC, w));
        } while (w !== v);
        if (component.length > 1) loops.push(component.sort());
      }
    };
    for (const file of files) if (!order.has(file)) visit(file);
    expect(loops).toEqual([]);
  });

  it('finds the imports it checks (a test of the test: the graph is not empty)', () => {
    expect(files.length).toBeGreaterThan(100);
    expect([...graph.values()].reduce((n, t) => n + t.length, 0)).toBeGreaterThan(300);
    expect(layers.size).toBeGreaterThan(10);
  });
});

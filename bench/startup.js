// The start-up figures of the benchmark: how long the command line takes before it does any work,
// against the floor of starting node itself. Each figure is the wall time of a whole process
// (`bin/run.js`, as the installed `tagway` runs), but for the one that reads when the command's
// work started (the `tagway:work` mark, through bench/work-mark.mjs); they are measured
// round-robin so that a slow moment of the machine spreads over all of them, and the median of
// the runs is reported.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const MARK_PRELOAD = fileURLToPath(new URL('./work-mark.mjs', import.meta.url));

/**
 * `floor`: `node -e 0`. `--version`, `--help`: oclif and the manifest, no command loaded.
 * `validate, empty repository`: the whole run in a git repository without configuration, start-up
 * and the modules validate runs on, and work that finds nothing to read. `validate, its work
 * starts`: the same run's `tagway:work` mark, the time from the process's start to the moment
 * validate has its flags and its library code and starts working.
 */
export function benchStartup({ bin, work, runs, log }) {
  const empty = path.join(work, 'startup-empty');
  fs.rmSync(empty, { recursive: true, force: true });
  fs.mkdirSync(empty, { recursive: true });
  execFileSync('git', ['init', '-q', empty]);
  const mark = path.join(work, 'startup-mark');
  const figures = [
    ['floor (node -e 0)', ['-e', '0']],
    ['tagway --version', [bin, '--version']],
    ['tagway --help', [bin, '--help']],
    ['tagway validate, empty repository', [bin, 'validate']],
    ['tagway validate, its work starts', ['--import', MARK_PRELOAD, bin, 'validate'], mark],
  ];
  const samples = new Map(figures.map(([name]) => [name, []]));
  // One unmeasured round first: the files are read from disk once, as they are for a user.
  for (let r = -1; r < runs; r++) {
    for (const [name, args, markFile] of figures) {
      const started = process.hrtime.bigint();
      const env = { ...process.env, NO_COLOR: '1', ...(markFile ? { TAGWAY_BENCH_MARK: markFile } : {}) };
      const run = spawnSync(process.execPath, args, { cwd: empty, stdio: ['ignore', 'ignore', 'pipe'], env });
      const wall = Number(process.hrtime.bigint() - started) / 1e6;
      if (run.status !== 0) throw new Error(`${name} exited ${run.status}: ${run.stderr}`);
      const ms = markFile ? Number(fs.readFileSync(markFile, 'utf8') || NaN) : wall;
      if (Number.isNaN(ms)) throw new Error(`${name}: the command set no work mark`);
      if (r >= 0) samples.get(name).push(ms);
    }
  }
  fs.rmSync(empty, { recursive: true, force: true });
  fs.rmSync(mark, { force: true });
  const out = {};
  for (const [name, , markFile] of figures) {
    const ms = samples.get(name);
    out[name] = { measure: markFile ? 'mark' : 'wall', median: Math.round(median(ms)), min: Math.round(Math.min(...ms)), runs: ms.map((m) => Math.round(m)) };
    log(`  ${name}: median ${out[name].median} ms (fastest ${out[name].min} ms)`);
  }
  return out;
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}
